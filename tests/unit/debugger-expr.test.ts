// The MASM evaluator against the rules of Microsoft's "MASM Numbers and Operators", "Sign
// Extension" and "Register Syntax" pages, and the error wording of kd transcripts.
import { describe, expect, it } from 'vitest';
import { evaluate, evaluatePrefix, ExprError, parseNumber, type ExprContext } from '../../emulator/src/debugger/expr.ts';

const memory = new Map<bigint, number>();
for (let i = 0; i < 16; i++) memory.set(0x1000n + BigInt(i), 0x10 + i);

const ctx: ExprContext = {
  register: (name) => ({ rax: 5n, rsp: 0xfffff68812345f28n, $ip: 0xfffff80312345695n } as Record<string, bigint>)[name],
  symbol: (name) =>
    ({ 'nt!KiSystemCall64': 0xfffff80312345680n, KiSystemCall64: 0xfffff80312345680n, nt: 0xfffff80312200000n } as Record<string, bigint>)[name],
  read: (address, n) => {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      const b = memory.get(address + BigInt(i));
      if (b === undefined) return null;
      out[i] = b;
    }
    return out;
  },
};

const ev = (s: string) => evaluate(s, ctx);
const err = (s: string): string => {
  try {
    ev(s);
  } catch (e) {
    if (e instanceof ExprError) return e.message;
    throw e;
  }
  return 'no error';
};

describe('MASM numbers', () => {
  it('defaults to hexadecimal and honours 0x 0n 0t 0y and the h suffix', () => {
    expect(ev('10')).toBe(16n);
    expect(ev('0x10')).toBe(16n);
    expect(ev('0n10')).toBe(10n);
    expect(ev('0t10')).toBe(8n);
    expect(ev('0y101')).toBe(5n);
    expect(ev('4AB3h')).toBe(0x4ab3n);
    expect(ev('0x')).toBe(0n);
    expect(ev('0N12')).toBe(12n);
  });
  it('accepts a backtick between the halves of a 64-bit number', () => {
    expect(ev('fffff803`12345680')).toBe(0xfffff80312345680n);
    expect(ev('0x0000ffff`00000000')).toBe(0xffff00000000n);
  });
  it('sign-extends 80000000..FFFFFFFF written without a backtick (kernel mode)', () => {
    expect(ev('EEAA1122')).toBe(0xffffffffeeaa1122n);
    expect(ev('0`EEAA1122')).toBe(0xeeaa1122n);
    expect(ev('00000000`EEAA1122')).toBe(0xeeaa1122n);
    expect(ev('7fffffff')).toBe(0x7fffffffn);
    expect(parseNumber('c0000082')?.signExtend).toBe(true);
  });
  it('rejects digits outside the radix', () => {
    expect(parseNumber('0n1f')).toBeUndefined();
    expect(parseNumber('0y102')).toBeUndefined();
    expect(err('0n1f')).toBe("Syntax error at '0n1f'");
  });
  it('reports a number wider than 64 bits', () => {
    expect(err('1ffffffffffffffff')).toBe("Overflow error at '1ffffffffffffffff'");
  });
});

describe('MASM operators', () => {
  it('applies precedence * / mod, then + -, then shifts, comparisons, and, xor, or', () => {
    expect(ev('1+2*3')).toBe(7n);
    expect(ev('(1+2)*3')).toBe(9n);
    expect(ev('10 mod 3')).toBe(1n);
    expect(ev('10 % 3')).toBe(1n);
    expect(ev('1 << 4 + 1')).toBe(0x20n);
    expect(ev('1 | 2 & 3')).toBe(3n);
    expect(ev('6 xor 3 and 1')).toBe(7n);
    expect(ev('2 = 2')).toBe(1n);
    expect(ev('2 == 3')).toBe(0n);
    expect(ev('2 != 3')).toBe(1n);
    expect(ev('1 < 2 or 0')).toBe(1n);
  });
  it('is unsigned 64-bit with wraparound; unary minus; >>> is arithmetic', () => {
    expect(ev('-1')).toBe(0xffffffffffffffffn);
    expect(ev('0-1')).toBe(0xffffffffffffffffn);
    expect(ev('-1 >> 3c')).toBe(0xfn);
    expect(ev('-10 >>> 1')).toBe(0xfffffffffffffff8n);
    expect(ev('not 0')).toBe(1n);
    expect(ev('not 5')).toBe(0n);
    expect(ev('hi 12345678')).toBe(0x1234n);
    expect(ev('low 12345678')).toBe(0x5678n);
  });
  it('reports division by zero', () => {
    expect(err('1/0')).toBe("Divide by zero error at '/0'");
  });
});

describe('registers, symbols and memory', () => {
  it('reads @registers and pseudo-registers', () => {
    expect(ev('@rax+1')).toBe(6n);
    expect(ev('@$ip')).toBe(0xfffff80312345695n);
    expect(ev('rax')).toBe(5n);
    expect(err('@foo')).toBe("Bad register error at '@foo'");
    expect(err('? @foo+1'.slice(2))).toBe("Bad register error at '@foo+1'");
  });
  it('resolves module!symbol, offsets and bare module names', () => {
    expect(ev('nt!KiSystemCall64+0x15')).toBe(0xfffff80312345695n);
    expect(ev('KiSystemCall64+15')).toBe(0xfffff80312345695n);
    expect(ev('nt')).toBe(0xfffff80312200000n);
    expect(err('nt!KiSystemCal64')).toBe("Couldn't resolve error at 'nt!KiSystemCal64'");
    expect(err('1+nt!Nope+2')).toBe("Couldn't resolve error at 'nt!Nope+2'");
  });
  it('dereferences with poi by wo dwo qwo and reports unreadable memory at the closing paren', () => {
    expect(ev('by(1000)')).toBe(0x10n);
    expect(ev('wo(1000)')).toBe(0x1110n);
    expect(ev('dwo(1000)')).toBe(0x13121110n);
    expect(ev('qwo(1000)')).toBe(0x1716151413121110n);
    expect(ev('poi(1000)')).toBe(0x1716151413121110n);
    expect(ev('poi(1000+8)+1')).toBe(0x1f1e1d1c1b1a1919n);
    expect(err('poi(0)')).toBe("Memory access error at ')'");
  });
  it('stops a prefix at the first token that cannot continue the expression', () => {
    const text = 'nt!KiSystemCall64 L4';
    const r = evaluatePrefix(text, ctx);
    expect(r.value).toBe(0xfffff80312345680n);
    expect(text.slice(r.end)).toBe('L4');
  });
  it('words a missing operand or trailing junk as WinDbg does', () => {
    expect(err('')).toBe("Numeric expression missing from '<EOL>'");
    expect(err('1+')).toBe("Numeric expression missing from '<EOL>'");
    expect(err('(1')).toBe("Numeric expression missing from '<EOL>'");
    expect(err('1 2')).toBe("Syntax error at '2'");
    expect(err('1 # 2')).toBe("Syntax error at '# 2'");
  });
});
