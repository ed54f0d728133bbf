// WinDbg's MASM expression evaluator (the debugger's default evaluator), as documented in
// "MASM Numbers and Operators", "Numerical Expression Syntax", "Sign Extension" and "Register
// Syntax" (learn.microsoft.com, debugger reference):
// - numbers are hexadecimal by default; `0x` hex, `0n` decimal, `0t` octal, `0y` binary, suffix `h`
//   hex; a backtick may separate the halves of a 64-bit number; a bare prefix means 0;
// - in kernel mode a constant 80000000..FFFFFFFF written without a backtick (and in at most eight
//   hex digits) is sign-extended to 64 bits;
// - `@reg` reads a register (`@$ip`, `@$pcr`... pseudo-registers too); a bare word is first tried
//   as a number, then as a symbol (`nt!KiSystemCall64`, `nt`), then as a register;
// - `poi by wo dwo qwo` read guest memory; `not hi low` and unary `+ -`;
// - binary operators from tightest to loosest: `* / mod %`, `+ -`, `<< >> >>>`,
//   `= == < > <= >= !=`, `and &`, `xor ^`, `or |`. Arithmetic is unsigned 64-bit.
// Errors carry WinDbg's wording and the unparsed rest of the text (`Couldn't resolve error at
// 'nt!Foo'`, `Memory access error at ')'`, `Bad register error at '@foo'`).

const MASK64 = (1n << 64n) - 1n;

/** What the evaluator needs from the debugger: registers, symbols, guest memory. */
export interface ExprContext {
  /** A register or pseudo-register value by lowercase name without `@` (`rax`, `$ip`), or
   *  undefined if there is no such register. */
  register(name: string): bigint | undefined;
  /** A symbol (`nt!KiSystemCall64`, `KiSystemCall64`) or module name (`nt`), or undefined. */
  symbol(name: string): bigint | undefined;
  /** `n` bytes of guest virtual memory, or null when any of them is unreadable. */
  read(address: bigint, n: number): Uint8Array | null;
  /** `@@c++(...)` / `@@(...)`: the value of a C++ expression (see cpp-expr.ts), when available. */
  cpp?(text: string): bigint;
}

export type ExprErrorKind =
  | 'syntax' | 'resolve' | 'memory' | 'register' | 'missing' | 'overflow' | 'divide' | 'operator';

const MESSAGES: Record<ExprErrorKind, string> = {
  syntax: 'Syntax error at',
  resolve: "Couldn't resolve error at",
  memory: 'Memory access error at',
  register: 'Bad register error at',
  missing: 'Numeric expression missing from',
  overflow: 'Overflow error at',
  divide: 'Divide by zero error at',
  operator: 'Operator expected error at',
};

/** An evaluation error, with the column (in the evaluated text) where it was detected. */
export class ExprError extends Error {
  readonly kind: ExprErrorKind;
  readonly column: number;
  readonly rest: string;
  constructor(kind: ExprErrorKind, text: string, column: number) {
    const rest = text.slice(column).trimEnd();
    super(`${MESSAGES[kind]} '${rest === '' ? '<EOL>' : rest}'`);
    this.kind = kind;
    this.column = column;
    this.rest = rest;
  }
}

type Tok =
  | { t: 'word'; text: string; pos: number }
  | { t: 'reg'; name: string; pos: number }
  | { t: 'op'; op: string; pos: number }
  | { t: 'sub'; evaluator: 'c++' | 'masm'; inner: string; pos: number }
  | { t: 'end'; pos: number };

const WORD_OPERATORS = new Set(['mod', 'and', 'xor', 'or', 'not', 'hi', 'low']);
const MEMORY_OPERATORS: Record<string, number> = { poi: 8, qwo: 8, dwo: 4, wo: 2, by: 1 };
const BINARY_LEVELS: string[][] = [
  ['or', '|'],
  ['xor', '^'],
  ['and', '&'],
  ['=', '==', '<', '>', '<=', '>=', '!='],
  ['<<', '>>', '>>>'],
  ['+', '-'],
  ['*', '/', 'mod', '%'],
];
const SYMBOLS = ['>>>', '<<', '>>', '<=', '>=', '==', '!=', '+', '-', '*', '/', '%', '&', '|', '^', '=', '<', '>', '(', ')'];

function isWordChar(c: string): boolean {
  return /[A-Za-z0-9_!$`]/.test(c);
}

/** Parses a numeric literal as MASM does; returns undefined when `text` is not a number. */
export function parseNumber(text: string, radix = 16): { value: bigint; signExtend: boolean } | undefined {
  let s = text.toLowerCase();
  let base = radix;
  const hadBacktick = s.includes('`');
  if (hadBacktick) {
    // The backtick only separates the halves: at most one, not at either end.
    if (!/^[0-9a-z]+`[0-9a-z]+$/.test(s)) return undefined;
    s = s.replace('`', '');
  }
  const prefix = /^0([xnty])/.exec(s);
  if (prefix) {
    base = { x: 16, n: 10, t: 8, y: 2 }[prefix[1] as 'x' | 'n' | 't' | 'y'];
    s = s.slice(2);
    if (s === '') return { value: 0n, signExtend: false };
  } else if (/^[0-9][0-9a-f]*h$/.test(s) || (base === 16 && /^[0-9a-f]+h$/.test(s))) {
    base = 16;
    s = s.slice(0, -1);
  }
  const digits = '0123456789abcdef'.slice(0, base);
  if (s === '' || [...s].some((c) => !digits.includes(c))) return undefined;
  let value = 0n;
  for (const c of s) value = value * BigInt(base) + BigInt(digits.indexOf(c));
  const significantHex = value.toString(16).length;
  const short = base !== 16 || s.replace(/^0+/, '').length <= 8;
  return { value, signExtend: !hadBacktick && short && significantHex <= 8 && value >= 0x80000000n && value <= 0xffffffffn };
}

function tokenize(text: string): Tok[] {
  const toks: Tok[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === ' ' || c === '\t') { i++; continue; }
    const sub = /^@@(c\+\+|masm)?\(/i.exec(text.slice(i));
    if (sub) {
      // `@@c++(...)`, `@@(...)` (C++) and `@@masm(...)`: a sub-expression in the other evaluator.
      let depth = 1;
      let j = i + sub[0].length;
      while (j < text.length && depth > 0) { if (text[j] === '(') depth++; else if (text[j] === ')') depth--; j++; }
      if (depth !== 0) throw new ExprError('missing', text, text.length);
      const evaluator = (sub[1] ?? 'c++').toLowerCase() === 'masm' ? 'masm' : 'c++';
      toks.push({ t: 'sub', evaluator, inner: text.slice(i + sub[0].length, j - 1), pos: i });
      i = j;
      continue;
    }
    if (c === '@') {
      let j = i + 1;
      while (j < text.length && /[A-Za-z0-9_$]/.test(text[j])) j++;
      toks.push({ t: 'reg', name: text.slice(i + 1, j).toLowerCase(), pos: i });
      i = j;
      continue;
    }
    const sym = SYMBOLS.find((s) => text.startsWith(s, i));
    if (sym) {
      // `!name` forces a symbol (e.g. `!add`); a lone `!` followed by a word is part of the word.
      toks.push({ t: 'op', op: sym, pos: i });
      i += sym.length;
      continue;
    }
    if (isWordChar(c)) {
      let j = i;
      while (j < text.length && isWordChar(text[j])) j++;
      toks.push({ t: 'word', text: text.slice(i, j), pos: i });
      i = j;
      continue;
    }
    throw new ExprError('syntax', text, i);
  }
  toks.push({ t: 'end', pos: text.length });
  return toks;
}

export interface EvalResult {
  value: bigint;
  /** Index in the text just past the expression (the rest may hold further arguments). */
  end: number;
}

/**
 * Evaluates the longest MASM expression at the start of `text`. Parsing stops at the first token
 * that cannot continue the expression (so `nt!Foo L4` yields nt!Foo and end before `L4`).
 */
export function evaluatePrefix(text: string, ctx: ExprContext): EvalResult {
  const toks = tokenize(text);
  let k = 0;
  const peek = (): Tok => toks[k];
  const isBinary = (tok: Tok, level: string[]): string | undefined => {
    if (tok.t === 'op' && level.includes(tok.op)) return tok.op;
    if (tok.t === 'word' && WORD_OPERATORS.has(tok.text.toLowerCase()) && level.includes(tok.text.toLowerCase())) {
      return tok.text.toLowerCase();
    }
    return undefined;
  };

  const readMem = (address: bigint, size: number, errPos: number): bigint => {
    const bytes = ctx.read(address & MASK64, size);
    if (!bytes) throw new ExprError('memory', text, errPos);
    let v = 0n;
    for (let b = size - 1; b >= 0; b--) v = (v << 8n) | BigInt(bytes[b]);
    return v;
  };

  const binary = (op: string, a: bigint, b: bigint, pos: number): bigint => {
    switch (op) {
      case '*': return (a * b) & MASK64;
      case '/': if (b === 0n) throw new ExprError('divide', text, pos); return a / b;
      case 'mod': case '%': if (b === 0n) throw new ExprError('divide', text, pos); return a % b;
      case '+': return (a + b) & MASK64;
      case '-': return (a - b) & MASK64;
      case '<<': return b >= 64n ? 0n : (a << b) & MASK64;
      case '>>': return b >= 64n ? 0n : a >> b;
      case '>>>': {
        const signed = BigInt.asIntN(64, a);
        return BigInt.asUintN(64, signed >> (b >= 64n ? 63n : b));
      }
      case '=': case '==': return a === b ? 1n : 0n;
      case '!=': return a !== b ? 1n : 0n;
      // MASM compares as unsigned 64-bit values.
      case '<': return a < b ? 1n : 0n;
      case '>': return a > b ? 1n : 0n;
      case '<=': return a <= b ? 1n : 0n;
      case '>=': return a >= b ? 1n : 0n;
      case 'and': case '&': return a & b;
      case 'xor': case '^': return a ^ b;
      case 'or': case '|': return a | b;
    }
    throw new ExprError('syntax', text, pos);
  };

  const parseLevel = (level: number): bigint => {
    if (level === BINARY_LEVELS.length) return parseUnary();
    let left = parseLevel(level + 1);
    for (;;) {
      const tok = peek();
      const op = isBinary(tok, BINARY_LEVELS[level]);
      if (!op) return left;
      k++;
      const right = parseLevel(level + 1);
      left = binary(op, left, right, tok.pos);
    }
  };

  const missing = (tok: Tok): never => {
    throw new ExprError('missing', text, tok.pos);
  };

  const parseUnary = (): bigint => {
    const tok = peek();
    if (tok.t === 'end') return missing(tok);
    if (tok.t === 'op') {
      if (tok.op === '-') { k++; return (-parseUnary()) & MASK64; }
      if (tok.op === '+') { k++; return parseUnary(); }
      if (tok.op === '(') {
        k++;
        const v = parseLevel(0);
        const close = peek();
        if (close.t !== 'op' || close.op !== ')') throw new ExprError(close.t === 'end' ? 'missing' : 'syntax', text, close.pos);
        k++;
        return v;
      }
      return missing(tok);
    }
    if (tok.t === 'sub') {
      k++;
      if (tok.evaluator === 'masm') return evaluate(tok.inner, ctx);
      if (!ctx.cpp) throw new ExprError('syntax', text, tok.pos);
      return ctx.cpp(tok.inner) & MASK64;
    }
    if (tok.t === 'reg') {
      k++;
      const v = tok.name === '' ? undefined : ctx.register(tok.name);
      if (v === undefined) throw new ExprError('register', text, tok.pos);
      return v & MASK64;
    }
    // A word: an operator keyword, a memory function, a number, a symbol or a register.
    const lower = tok.text.toLowerCase();
    const next = toks[k + 1];
    if (lower in MEMORY_OPERATORS && next.t === 'op' && next.op === '(') {
      k += 2;
      const address = parseLevel(0);
      const close = peek();
      if (close.t !== 'op' || close.op !== ')') throw new ExprError(close.t === 'end' ? 'missing' : 'syntax', text, close.pos);
      const v = readMem(address, MEMORY_OPERATORS[lower], close.pos);
      k++;
      return v;
    }
    if (lower === 'not') { k++; return parseUnary() === 0n ? 1n : 0n; }
    if (lower === 'hi') { k++; return (parseUnary() >> 16n) & 0xffffn; }
    if (lower === 'low') { k++; return parseUnary() & 0xffffn; }
    if (WORD_OPERATORS.has(lower)) return missing(tok);
    k++;
    return resolveWord(tok.text, tok.pos);
  };

  const resolveWord = (word: string, pos: number): bigint => {
    const num = parseNumber(word);
    if (num) {
      if (num.value > MASK64) throw new ExprError('overflow', text, pos);
      return num.signExtend ? num.value | 0xffffffff00000000n : num.value;
    }
    // `!name` forces symbol interpretation.
    const name = word.startsWith('!') ? word.slice(1) : word;
    const sym = name === '' ? undefined : ctx.symbol(name);
    if (sym !== undefined) return sym & MASK64;
    if (/^[A-Za-z$][A-Za-z0-9]*$/.test(word)) {
      const reg = ctx.register(word.toLowerCase());
      if (reg !== undefined) return reg & MASK64;
    }
    if (/^(0[xnty])?[0-9a-fA-F`]+$/.test(word) && word.length > 2) {
      // Looks like a number but is malformed (e.g. `0n12ab`, two backticks).
      throw new ExprError('syntax', text, pos);
    }
    throw new ExprError('resolve', text, pos);
  };

  const value = parseLevel(0);
  return { value, end: peek().pos };
}

/** Evaluates a whole expression; anything left over is a syntax error at the leftover text. */
export function evaluate(text: string, ctx: ExprContext): bigint {
  const r = evaluatePrefix(text, ctx);
  if (text.slice(r.end).trim() !== '') throw new ExprError('syntax', text, r.end);
  return r.value;
}
