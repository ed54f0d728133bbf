// Bugs the differential fuzzer (tests/oracle/cpu-fuzz.test.ts) found against the host CPU, each
// reduced to one instruction: XADD with one register as both operands, read-modify-write memory
// operands translated as reads, and fetch #PF naming the wrong byte of an immediate.

import { describe, it, expect } from 'vitest';
import { world, runToStub, frame } from './cpu-exec-harness.ts';
import { assemble } from '../../emulator/src/cpu/index.ts';

const P = 1n, W = 2n, U = 4n;
const RO = 0xa00000n; // a present, read-only user page; the page after it is not present
const NP = RO + 0x1000n;

function userWorld(src: string) {
  const w = world({ user: src });
  w.pt.map(RO, 0x230000n, 0x1000, { user: true, writable: false });
  return w;
}

describe('xadd with the same register as both operands (SDM Vol. 2B XADD: TEMP <- SRC + DEST; SRC <- DEST; DEST <- TEMP)', () => {
  for (const [text, out] of [
    ['xadd eax, eax', 0xaaccef10n],
    ['xadd rax, rax', 0x22446688aaccef10n],
    ['xadd ax, ax', 0x112233445566ef10n],
    ['xadd al, al', 0x1122334455667710n],
    ['xadd ah, ah', 0x112233445566ee88n],
  ] as const) {
    it(`${text}: the register ends with the sum`, () => {
      const { m } = world({ user: text });
      m.setReg('rax', 0x1122334455667788n);
      m.step();
      expect(m.getReg('rax').toString(16)).toBe(out.toString(16));
    });
  }
  it('xadd with two registers still swaps the old value into the source', () => {
    const { m } = world({ user: 'xadd ecx, edx' });
    m.setReg('rcx', 5n); m.setReg('rdx', 7n);
    m.step();
    expect([m.getReg('rcx'), m.getReg('rdx')]).toEqual([12n, 5n]);
  });
});

describe('read-modify-write memory operands are translated as writes (SDM Vol. 3A §4.7, Figure 4-12)', () => {
  const RMW = [
    'add dword ptr [rbx], eax', 'lock add dword ptr [rbx], eax', 'or qword ptr [rbx], 1', 'lock sbb word ptr [rbx], 1',
    'inc dword ptr [rbx]', 'lock dec byte ptr [rbx]', 'neg qword ptr [rbx]', 'not dword ptr [rbx]',
    'shl dword ptr [rbx], 1', 'rcr qword ptr [rbx], cl', 'shld dword ptr [rbx], eax, 3', 'shrd qword ptr [rbx], rax, cl',
    'xchg qword ptr [rbx], rax', 'xadd dword ptr [rbx], eax', 'lock xadd qword ptr [rbx], rax',
    'cmpxchg dword ptr [rbx], ecx', 'lock cmpxchg qword ptr [rbx], rcx', 'bts dword ptr [rbx], eax', 'lock btr qword ptr [rbx], 3', 'btc word ptr [rbx], ax',
  ];
  for (const text of RMW) {
    it(`${text}: a not-present page reports W (error code 6)`, () => {
      const { m } = userWorld(text);
      m.setReg('rbx', NP + 0x10n); m.setReg('rax', 0n); m.setReg('rcx', 1n);
      expect(runToStub(m).vector).toBe(14);
      expect(frame(m, true).error).toBe(W | U);
      expect(m.getCr(2)).toBe(NP + 0x10n);
    });
    it(`${text}: an operand from a read-only page into a not-present one faults on its first byte (error code 7)`, () => {
      const { m } = userWorld(text);
      m.setReg('rbx', NP - 2n); m.setReg('rax', 0n); m.setReg('rcx', 1n);
      expect(runToStub(m).vector).toBe(14);
      expect(frame(m, true).error).toBe(P | W | U);
      expect(m.getCr(2)).toBe(NP - 2n);
    });
  }
  it('cmp and test only read: a read-only page is fine, a not-present one reports a read', () => {
    const { m } = userWorld('cmp dword ptr [rbx], eax\ntest qword ptr [rbx], rax\nbt dword ptr [rbx], 3\ncmp dword ptr [rbx+0ffeh], eax');
    m.setReg('rbx', RO);
    expect(runToStub(m).vector).toBe(14);
    expect(frame(m, true).error).toBe(U);
    expect(m.getCr(2)).toBe(NP);
  });
});

describe('a fetch #PF names the first missing byte of an immediate or displacement (SDM Vol. 3A §4.7)', () => {
  for (const [bytes, at] of [
    [[0xb8, 0x11, 0x22], 3], // mov eax, imm32: two immediate bytes on the page
    [[0x48, 0xb8, 0x11], 3], // mov rax, imm64
    [[0x8b, 0x80], 2], // mov eax, [rax+disp32]
    [[0xe9, 0x00, 0x00, 0x00], 4], // jmp rel32
  ] as const) {
    it(`${bytes.map((b) => b.toString(16)).join(' ')} ending at a page boundary: CR2 = the boundary`, () => {
      const { m, pt } = world({ user: 'nop' });
      const start = RO - BigInt(bytes.length);
      pt.map(RO - 0x1000n, 0x240000n, 0x1000, { user: true });
      m.writeVirtual(start, bytes);
      m.setReg('rip', start);
      expect(runToStub(m).vector).toBe(14);
      expect(frame(m, true).error).toBe(U | 16n);
      expect(m.getCr(2)).toBe(RO);
      void at;
    });
  }
  it('the assembler and decoder still agree on a full imm64', () => {
    const { m } = world({ user: 'mov rax, 1122334455667788h' });
    m.step();
    expect(m.getReg('rax')).toBe(0x1122334455667788n);
    expect(assemble('mov rax, 1122334455667788h', { origin: 0n }).bytes.length).toBe(10);
  });
});

describe('bit tests with a register offset and a 32-bit address size (SDM Vol. 1 §3.3.7)', () => {
  it('btr qword ptr [r11d+disp], rax with a 64-bit offset: the address wraps at 2^32, offset included', () => {
    const { m } = world({ user: 'btr qword ptr [r11d+10004FF9h], rax' });
    m.setReg('r11', 1n); m.setReg('rax', 0x4e583129794a9373n);
    expect(runToStub(m).vector).toBe(14);
    expect(m.getCr(2)).toBe(0x3f29a262n); // 10004FFAh + (rax SAR 6) * 8, modulo 2^32
  });
});

describe('more found by the fuzzer', () => {
  it('cmps reads ES:[rdi] first: with both operands not present, CR2 is rdi', () => {
    const { m } = world({ user: 'cmpsd' });
    m.setReg('rsi', 0x7000000n); m.setReg('rdi', 0x7100000n);
    expect(runToStub(m).vector).toBe(14);
    expect(m.getCr(2)).toBe(0x7100000n);
  });
  it('cmps with a non-canonical rsi and a not-present rdi reports the #PF of rdi', () => {
    const { m } = world({ user: 'cmpsq' });
    m.setReg('rsi', 0x7c502c2eed37b74cn); m.setReg('rdi', 0x7100000n);
    expect(runToStub(m).vector).toBe(14);
  });
  it('bts with an rbp base and a register offset beyond the canonical range: #SS(0)', () => {
    const { m } = world({ user: 'bts qword ptr [rbp], rax' });
    m.setReg('rbp', 0x10000n); m.setReg('rax', 0xe0737ea3c57fbfd2n);
    expect(runToStub(m).vector).toBe(12);
  });
});
