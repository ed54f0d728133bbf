// A small C++ expression evaluator for `??` and `@@c++()` ("C++ Numbers and Operators", "??
// (Evaluate C++ Expression)" in Microsoft's debugger reference): decimal numbers by default (0x
// hex), registers `@rax`, typed pseudo-registers (`@$pcr` is a `_KPCR *`, `@$thread` an
// `_ETHREAD *`...), `->` and `.` over the modeled struct layouts, `[i]` on arrays and on pointers
// to integers, C integer casts (`(int*)&nt!KiServiceTable`, `(unsigned char)x`), `*` and `&`,
// unary `- ! ~`, the binary operators of C with C precedence, and `@@masm(...)` back to MASM.
// Values keep their C type so that `??` can print it (`unsigned int64 0x...`, `struct _KPRCB *`).

import { ExprError } from './expr.ts';
import type { StructFieldView, StructView } from './target.ts';

export type CType =
  | { kind: 'int'; name: string; size: number; signed: boolean }
  | { kind: 'bool' }
  | { kind: 'ptr'; to: string }
  | { kind: 'struct'; name: string }
  | { kind: 'array'; count: number; elem: string };

export interface CValue {
  type: CType;
  /** The value of a scalar (int, bool, pointer). */
  value: bigint;
  /** Where an lvalue (struct, array, field) lives in guest memory. */
  address?: bigint;
}

export interface CppContext {
  register(name: string): bigint | undefined;
  /** The struct a typed pseudo-register points to (`$pcr` -> `_KPCR`), or undefined. */
  pseudoType(name: string): string | undefined;
  symbol(name: string): bigint | undefined;
  read(address: bigint, n: number): Uint8Array | null;
  structs: Readonly<Record<string, StructView>>;
  masm(text: string): bigint;
}

const MASK64 = (1n << 64n) - 1n;
const UINT64: CType = { kind: 'int', name: 'unsigned int64', size: 8, signed: false };
const INT: CType = { kind: 'int', name: 'int', size: 4, signed: true };
const INT64: CType = { kind: 'int', name: 'int64', size: 8, signed: true };

const INT_TYPES: Record<string, CType> = {
  UChar: { kind: 'int', name: 'unsigned char', size: 1, signed: false },
  Char: { kind: 'int', name: 'char', size: 1, signed: true },
  Uint2B: { kind: 'int', name: 'unsigned short', size: 2, signed: false },
  Int2B: { kind: 'int', name: 'short', size: 2, signed: true },
  Uint4B: { kind: 'int', name: 'unsigned long', size: 4, signed: false },
  Int4B: { kind: 'int', name: 'long', size: 4, signed: true },
  Uint8B: UINT64,
  Int8B: INT64,
};

/** C's integer type names, for casts (`(int*)`, `(unsigned char)`); x64 Windows is LLP64: `long`
 *  is 32 bits. A pointer cast points to the name (`int *`), and `[i]` on it reads that size. */
const CAST_INTS: Record<string, CType> = {
  char: { kind: 'int', name: 'char', size: 1, signed: true },
  'unsigned char': INT_TYPES.UChar,
  short: INT_TYPES.Int2B,
  'unsigned short': INT_TYPES.Uint2B,
  int: INT,
  'unsigned int': { kind: 'int', name: 'unsigned int', size: 4, signed: false },
  long: INT_TYPES.Int4B,
  'unsigned long': INT_TYPES.Uint4B,
  __int64: INT64,
  'unsigned __int64': UINT64,
};
const intType = (name: string): CType | undefined => INT_TYPES[name] ?? CAST_INTS[name];
/** A signed value as a number (its bits are kept unsigned, in its size), for C's conversions. */
const numeric = (v: CValue): bigint => (v.type.kind === 'int' && v.type.signed ? BigInt.asIntN(v.type.size * 8, v.value) : v.value);

/** The C type of a field as dt names it (`Uint8B`, `Ptr64 _KPRCB`, `_KPRCB`, `[2] Uint8B`). */
export function fieldType(f: StructFieldView): CType {
  const t = f.type.trim();
  const arr = /^\[(\d+)\]\s+(.*)$/.exec(t);
  if (arr) return { kind: 'array', count: Number(arr[1]), elem: arr[2] };
  const ptr = /^Ptr64\s+(.*)$/.exec(t);
  if (ptr) return { kind: 'ptr', to: ptr[1] === 'Void' ? 'void' : ptr[1] };
  if (INT_TYPES[t]) return INT_TYPES[t];
  if (f.kind === 'struct') return { kind: 'struct', name: t };
  return { kind: 'int', name: 'unsigned int64', size: Math.min(8, Math.max(1, f.size)), signed: false };
}

const LEVELS: string[][] = [['||'], ['&&'], ['|'], ['^'], ['&'], ['==', '!='], ['<', '>', '<=', '>='], ['<<', '>>'], ['+', '-'], ['*', '/', '%']];
const OPS = ['->', '||', '&&', '==', '!=', '<=', '>=', '<<', '>>', '+', '-', '*', '/', '%', '&', '|', '^', '<', '>', '!', '~', '(', ')', '[', ']', '.'];

export function evaluateCpp(text: string, ctx: CppContext): CValue {
  let i = 0;
  const ws = () => { while (i < text.length && /\s/.test(text[i])) i++; };
  const fail = (kind: 'syntax' | 'resolve' | 'memory' | 'register' | 'missing', at = i): never => { throw new ExprError(kind, text, at); };
  const peekOp = (): string | undefined => { ws(); return OPS.find((o) => text.startsWith(o, i)); };
  const take = (o: string) => { ws(); if (!text.startsWith(o, i)) fail('syntax'); i += o.length; };

  const load = (address: bigint, type: CType, at: number): CValue => {
    if (type.kind === 'struct' || type.kind === 'array') return { type, value: address, address };
    const size = type.kind === 'int' ? type.size : 8;
    const b = ctx.read(address & MASK64, size);
    if (!b) return fail('memory', at);
    let v = 0n;
    for (let k = b.length - 1; k >= 0; k--) v = (v << 8n) | BigInt(b[k]);
    return { type, value: v, address };
  };
  const structDef = (name: string) => ctx.structs[name] ?? Object.values(ctx.structs).find((d) => d.name === name);
  const member = (base: CValue, at: number): CValue => {
    ws();
    const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i));
    if (!m) return fail('syntax');
    i += m[0].length;
    if (base.type.kind !== 'struct' || base.address === undefined) return fail('syntax', at);
    const f = structDef(base.type.name)?.fields.find((x) => x.name === m[0]);
    if (!f) return fail('resolve', at);
    return load(base.address + BigInt(f.offset), fieldType(f), at);
  };
  const deref = (p: CValue, at: number): CValue => {
    if (p.type.kind !== 'ptr') return fail('syntax', at);
    const to = p.type.to;
    const it = intType(to);
    if (it) return load(p.value, it, at);
    if (to === 'void') return fail('syntax', at);
    return { type: { kind: 'struct', name: to }, value: p.value, address: p.value };
  };

  const primary = (): CValue => {
    ws();
    const at = i;
    if (text.startsWith('@@masm(', i) || text.startsWith('@@c++(', i)) {
      const masm = text.startsWith('@@masm(', i);
      i += masm ? 7 : 6;
      let depth = 1;
      const start = i;
      while (i < text.length && depth > 0) { if (text[i] === '(') depth++; else if (text[i] === ')') depth--; i++; }
      if (depth !== 0) fail('missing');
      const inner = text.slice(start, i - 1);
      return masm ? { type: UINT64, value: ctx.masm(inner) } : evaluateCpp(inner, ctx);
    }
    if (text[i] === '@') {
      const m = /^@(\$?[A-Za-z0-9_]+)/.exec(text.slice(i));
      if (!m) return fail('register');
      i += m[0].length;
      const name = m[1].toLowerCase();
      const v = ctx.register(name);
      if (v === undefined) return fail('register', at);
      const st = ctx.pseudoType(name);
      return { type: st ? { kind: 'ptr', to: st } : UINT64, value: v };
    }
    const cast = /^\(\s*((?:unsigned\s+)?(?:char|short|int|long|__int64))\s*(\*?)\s*\)/.exec(text.slice(i));
    if (cast) {
      // A C cast: `(int*)&nt!KiServiceTable`, `(int)x`.
      i += cast[0].length;
      const name = cast[1].replace(/\s+/g, ' ');
      const v = unary();
      if (cast[2]) return { type: { kind: 'ptr', to: name }, value: v.value };
      const t = CAST_INTS[name] as CType & { kind: 'int' };
      return { type: t, value: BigInt.asUintN(t.size * 8, numeric(v)) };
    }
    if (text[i] === '(') {
      i++;
      const v = expr(0);
      take(')');
      return v;
    }
    const num = /^(0x[0-9a-f]+|0n[0-9]+|[0-9]+)(ui64|i64|u|l)*/i.exec(text.slice(i));
    if (num) {
      i += num[0].length;
      const t = num[1].toLowerCase();
      const v = t.startsWith('0x') ? BigInt(t) : t.startsWith('0n') ? BigInt(t.slice(2)) : BigInt(t);
      if (v > MASK64) return fail('syntax', at);
      return { type: v > 0x7fffffffn ? INT64 : INT, value: v };
    }
    const word = /^[A-Za-z_][A-Za-z0-9_!]*/.exec(text.slice(i));
    if (word) {
      i += word[0].length;
      if (word[0] === 'true' || word[0] === 'false') return { type: { kind: 'bool' }, value: word[0] === 'true' ? 1n : 0n };
      const v = ctx.symbol(word[0]);
      if (v === undefined) return fail('resolve', at);
      // The symbol's address is its value here (the model has no symbol types); & takes it too.
      return { type: UINT64, value: v, address: v };
    }
    return fail(i >= text.length ? 'missing' : 'syntax');
  };

  const postfix = (): CValue => {
    let v = primary();
    for (;;) {
      const op = peekOp();
      const at = i;
      if (op === '->') { i += 2; v = member(deref(v, at), at); continue; }
      if (op === '.') { i += 1; v = member(v, at); continue; }
      if (op === '[') {
        i += 1;
        const idx = expr(0);
        take(']');
        if (v.type.kind === 'array' && v.address !== undefined) {
          const elem = INT_TYPES[v.type.elem] ?? (/^Ptr64/.test(v.type.elem) ? { kind: 'ptr', to: v.type.elem.replace(/^Ptr64\s+/, '') } as CType : UINT64);
          const size = elem.kind === 'int' ? elem.size : 8;
          v = load(v.address + idx.value * BigInt(size), elem, at);
        } else if (v.type.kind === 'ptr' && intType(v.type.to)) {
          // p[i] on a pointer to an integer type: *(p + i)
          const elem = intType(v.type.to)! as CType & { kind: 'int' };
          v = load(BigInt.asUintN(64, v.value + numeric(idx) * BigInt(elem.size)), elem, at);
        } else return fail('syntax', at);
        continue;
      }
      return v;
    }
  };

  const unary = (): CValue => {
    const op = peekOp();
    const at = i;
    if (op === '-' || op === '!' || op === '~' || op === '*' || op === '&') {
      i += 1;
      const v = unary();
      if (op === '*') return deref(v, at);
      if (op === '&') return v.address === undefined ? fail('syntax', at) : { type: { kind: 'ptr', to: v.type.kind === 'struct' ? v.type.name : v.type.kind === 'int' ? Object.keys(INT_TYPES).find((k) => INT_TYPES[k] === v.type) ?? 'void' : 'void' }, value: v.address };
      if (op === '!') return { type: { kind: 'bool' }, value: v.value === 0n ? 1n : 0n };
      if (op === '~') return { type: v.type, value: ~v.value & MASK64 };
      return { type: v.type.kind === 'int' && v.type.signed ? v.type : INT64, value: -v.value & MASK64 };
    }
    return postfix();
  };

  const binary = (op: string, a: CValue, b: CValue, at: number): CValue => {
    // C's conversions: a signed operand keeps its sign when widened (x >> 4 on a negative int is
    // arithmetic); with an unsigned 64-bit operand both are compared as unsigned.
    const unsigned = [a.type, b.type].some((t) => t.kind === 'ptr' || (t.kind === 'int' && t.size === 8 && !t.signed));
    const x = unsigned ? BigInt.asUintN(64, numeric(a)) : numeric(a);
    const y = unsigned ? BigInt.asUintN(64, numeric(b)) : numeric(b);
    const bool = (c: boolean): CValue => ({ type: { kind: 'bool' }, value: c ? 1n : 0n });
    const wide = [a.type, b.type].some((t) => t.kind === 'ptr' || (t.kind === 'int' && t.size === 8));
    const type: CType = wide ? ([a.type, b.type].some((t) => t.kind === 'ptr' || (t.kind === 'int' && !t.signed)) ? UINT64 : INT64) : INT;
    const n = (v: bigint): CValue => ({ type, value: v & MASK64 });
    switch (op) {
      case '||': return bool(x !== 0n || y !== 0n);
      case '&&': return bool(x !== 0n && y !== 0n);
      case '==': return bool(x === y);
      case '!=': return bool(x !== y);
      case '<': return bool(x < y);
      case '>': return bool(x > y);
      case '<=': return bool(x <= y);
      case '>=': return bool(x >= y);
      case '|': return n(x | y);
      case '^': return n(x ^ y);
      case '&': return n(x & y);
      case '<<': return n(y >= 64n ? 0n : x << y);
      case '>>': return n(y >= 64n ? 0n : x >> y);
      case '+': return n(x + y);
      case '-': return n(x - y);
      case '*': return n(x * y);
      case '/': if (y === 0n) throw new ExprError('divide', text, at); return n(x / y);
      case '%': if (y === 0n) throw new ExprError('divide', text, at); return n(x % y);
    }
    return fail('syntax', at);
  };

  const expr = (level: number): CValue => {
    if (level === LEVELS.length) return unary();
    let left = expr(level + 1);
    for (;;) {
      const op = peekOp();
      if (!op || !LEVELS[level].includes(op)) return left;
      // `&&` is not `&`, `||` is not `|`, `->` is not `-`.
      const at = i;
      i += op.length;
      left = binary(op, left, expr(level + 1), at);
    }
  };

  const v = expr(0);
  ws();
  if (i < text.length) fail('syntax');
  return v;
}
