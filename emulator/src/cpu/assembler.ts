// Assembler for the Intel syntax WinDbg prints (so that what `u` shows assembles back to the same
// bytes), driven by the same opcode table as the decoder.
//
// Source lines:  [label:] [prefix] mnemonic [operand {,operand}] [; comment]
//                [label:] db|dw|dd|dq value {,value}        (db also takes 'quoted text')
//                align N                                      (pads with int 3 bytes)
// Numbers as WinDbg writes them: 2Bh, 0FFFh, 0x2b, 0n43, fffff803`12345680, and decimal 8.
// Names are labels of this source or, failing that, whatever `options.symbols(name)` returns
// (`nt!KeBugCheckEx`). A memory operand without registers that names a label, a symbol or a
// backtick address is RIP-relative; a plain number is an absolute address (ModRM+SIB disp32, or
// moffs for al/ax/eax/rax when the address does not fit in 32 bits). The `name (address)` form
// the disassembler prints for branch and RIP-relative targets is accepted and uses the address.
// Among the encodings that fit, the shortest is chosen; between the two register-to-register
// forms, the one Microsoft's tools emit (ModRM.reg = destination: 8B C1 for mov eax,ecx), so that
// Windows code assembles to the bytes WinDbg shows. Relative branches start short and grow to
// rel32 where the target is too far.
// Encoding rules: SDM Vol. 2A chapter 2 (prefixes, REX, ModRM/SIB, displacement, immediate).

import { CC_ALIASES, CC_NAMES, OPCODES, type OpcodeRow } from './opcodes.ts';
import { operandSizeOf } from './operand-size.ts';
import { parseGpr } from './registers-names.ts';

export class AsmError extends Error {
  line: number;
  column: number;
  constructor(line: number, column: number, message: string) {
    super(`line ${line}, column ${column}: ${message}`);
    this.name = 'AsmError';
    this.line = line;
    this.column = column;
  }
}

export interface AssembleOptions {
  /** Address of the first byte. */
  origin?: bigint;
  /** Resolves names that are not labels of the source, e.g. `nt!KeBugCheckEx`. */
  symbols?: (name: string) => bigint | null | undefined;
}

export interface AssembledLine {
  line: number;
  address: bigint;
  bytes: Uint8Array;
  source: string;
}

export interface AssembleResult {
  bytes: Uint8Array;
  labels: Map<string, bigint>;
  lines: AssembledLine[];
}

// ---- expressions ---------------------------------------------------------------------------

interface Expr {
  constant: bigint;
  /** Labels of this source, added (+1) or subtracted (-1); resolved per pass. */
  labels: { name: string; sign: 1n | -1n; column: number }[];
  /** Whether a symbol, label or backtick address appears (makes a bare memory operand RIP-relative). */
  symbolic: boolean;
}

type AsmOperand =
  | { kind: 'reg'; reg: number; size: 1 | 2 | 4 | 8; high8: boolean; column: number }
  | { kind: 'sreg'; reg: number; column: number }
  | { kind: 'cr'; reg: number; column: number }
  | { kind: 'dr'; reg: number; column: number }
  | {
      kind: 'mem'; size: number; seg: number; base: number | null; index: number | null; scale: number;
      disp: Expr; addrSize: 4 | 8; rip: boolean; column: number;
      /** `[rip+10h]`: the displacement is written as is (relative to the next instruction). */
      ripDisp?: boolean;
    }
  | { kind: 'imm'; expr: Expr; column: number };

interface Statement {
  line: number;
  source: string;
  label: string | null;
  kind: 'none' | 'ins' | 'data' | 'align';
  // instruction
  mnemonic: string;
  mnemonicColumn: number;
  prefixes: string[];
  operands: AsmOperand[];
  // data
  dataSize: number;
  data: (Expr | Uint8Array)[];
  dataColumns: number[];
  alignTo: number;
  /** Relative branches that did not fit in rel8 in an earlier pass stay rel32 (monotonic). */
  long: boolean;
}

const SIZE_WORDS: Record<string, number> = { byte: 1, word: 2, dword: 4, qword: 8, fword: 10, tbyte: 10, oword: 16, xmmword: 16 };

const SEG_BY_NAME: Record<string, number> = { es: 0, cs: 1, ss: 2, ds: 3, fs: 4, gs: 5 };

class Parser {
  line: number;
  labels: Set<string>;
  symbols: AssembleOptions['symbols'];
  constructor(line: number, labels: Set<string>, symbols: AssembleOptions['symbols']) {
    this.line = line;
    this.labels = labels;
    this.symbols = symbols;
  }

  fail(column: number, message: string): never {
    throw new AsmError(this.line, column, message);
  }

  /** A number in one of WinDbg's notations, or null when `t` is not a number. */
  static number(t: string): bigint | null {
    const s = t.toLowerCase();
    if (/^[0-9][0-9a-f]*h$/.test(s)) return BigInt('0x' + s.slice(0, -1));
    if (/^0x[0-9a-f]+$/.test(s)) return BigInt(s);
    if (/^0n[0-9]+$/.test(s)) return BigInt(s.slice(2));
    if (/^0y[01]+$/.test(s)) return BigInt('0b' + s.slice(2));
    if (/^[0-9a-f]{1,8}`[0-9a-f]{1,8}$/.test(s)) return BigInt('0x' + s.replace('`', ''));
    if (/^[0-9]+$/.test(s)) return BigInt(s);
    return null;
  }

  /** Parses `a+b-c` of numbers and names; `column` is where `text` starts in the line. */
  expr(text: string, column: number): Expr {
    const e: Expr = { constant: 0n, labels: [], symbolic: false };
    const re = /\s*([+-]?)\s*([^+\-\s]+)\s*/y;
    let pos = 0;
    let first = true;
    while (pos < text.length) {
      re.lastIndex = pos;
      const m = re.exec(text);
      if (!m || (!first && !m[1])) this.fail(column + pos, `cannot read expression '${text.trim()}'`);
      const sign = m[1] === '-' ? -1n : 1n;
      const tok = m[2];
      const tokCol = column + pos + m[0].indexOf(tok);
      const n = Parser.number(tok);
      if (n !== null) {
        e.constant += sign * n;
        if (tok.includes('`')) e.symbolic = true;
      } else if (/^[A-Za-z_.$?@][\w.$?@]*(?:![\w.$?@]+)?$/.test(tok)) {
        e.symbolic = true;
        if (this.labels.has(tok)) e.labels.push({ name: tok, sign, column: tokCol });
        else {
          const v = this.symbols?.(tok);
          if (v === undefined || v === null) this.fail(tokCol, `unknown label or symbol '${tok}'`);
          e.constant += sign * v;
        }
      } else this.fail(tokCol, `cannot read '${tok}' as a number or a name`);
      pos = re.lastIndex;
      first = false;
    }
    if (first) this.fail(column, 'missing value');
    return e;
  }

  /** `name (fffff803`12345680)` as the disassembler prints targets: the address counts. */
  static targetAddress(text: string): string | null {
    const m = /^.*\(\s*([0-9a-fA-F]{1,8}`[0-9a-fA-F]{1,8}|[0-9a-fA-F]+)\s*\)\s*$/.exec(text);
    return m ? (m[1].includes('`') ? m[1] : m[1] + 'h') : null;
  }

  operand(text: string, column: number): AsmOperand {
    const lead = text.length - text.trimStart().length;
    let t = text.trim();
    column += lead;
    const lower = t.toLowerCase();
    const reg = parseGpr(lower);
    if (reg) return { kind: 'reg', reg: reg.reg, size: reg.size, high8: reg.high8, column };
    if (lower in SEG_BY_NAME) return { kind: 'sreg', reg: SEG_BY_NAME[lower], column };
    let m = /^cr(\d+)$/.exec(lower);
    if (m) return { kind: 'cr', reg: Number(m[1]), column };
    m = /^dr(\d+)$/.exec(lower);
    if (m) return { kind: 'dr', reg: Number(m[1]), column };
    // Memory: [size ptr] [seg:] [ ... ]
    let size = 0;
    m = /^(byte|word|dword|qword|fword|tbyte|oword|xmmword)\s+ptr\s+/i.exec(t);
    if (m) {
      size = SIZE_WORDS[m[1].toLowerCase()];
      column += m[0].length;
      t = t.slice(m[0].length);
    }
    let seg = -1;
    m = /^(es|cs|ss|ds|fs|gs)\s*:\s*/i.exec(t);
    if (m && t.slice(m[0].length).startsWith('[')) {
      seg = SEG_BY_NAME[m[1].toLowerCase()];
      column += m[0].length;
      t = t.slice(m[0].length);
    }
    if (t.startsWith('[')) {
      if (!t.endsWith(']')) this.fail(column, 'missing ] in memory operand');
      return this.memory(t.slice(1, -1), column + 1, size, seg);
    }
    if (size || seg >= 0) this.fail(column, 'expected [ after the size or segment');
    // MASM's `offset name` and a branch's `short` / `near ptr` change nothing here: the value is
    // the address, and the branch size is chosen by distance.
    m = /^(offset|short|near\s+ptr)\s+/i.exec(t);
    if (m) {
      column += m[0].length;
      t = t.slice(m[0].length);
    }
    const target = Parser.targetAddress(t);
    if (target) {
      const e = this.expr(target, column);
      e.symbolic = true;
      return { kind: 'imm', expr: e, column };
    }
    return { kind: 'imm', expr: this.expr(t, column), column };
  }

  memory(inner: string, column: number, size: number, seg: number): AsmOperand {
    const target = Parser.targetAddress(inner);
    if (target) {
      const e = this.expr(target, column);
      e.symbolic = true;
      return { kind: 'mem', size, seg, base: null, index: null, scale: 1, disp: e, addrSize: 8, rip: true, column };
    }
    let base: number | null = null;
    let index: number | null = null;
    let scale = 1;
    let addrSize: 4 | 8 | 0 = 0;
    let ripReg = false;
    const disp: Expr = { constant: 0n, labels: [], symbolic: false };
    const re = /\s*([+-]?)\s*([^+\-]+)/y;
    let pos = 0;
    while (pos < inner.length) {
      re.lastIndex = pos;
      const m = re.exec(inner);
      if (!m) this.fail(column + pos, `cannot read memory operand '[${inner}]'`);
      const termCol = column + pos + m[0].indexOf(m[2]);
      const term = m[2].trim().toLowerCase();
      if (term === 'rip') {
        if (m[1] === '-' || ripReg || base !== null || index !== null) this.fail(termCol, 'rip can only be the sole base register');
        ripReg = true;
        pos = re.lastIndex;
        continue;
      }
      const sm = /^(\w+)\s*\*\s*(\w+)$/.exec(term);
      let r = parseGpr(term);
      let sc = 0;
      if (sm) {
        const a = parseGpr(sm[1]);
        const b = parseGpr(sm[2]);
        if (a && !b) { r = a; sc = Number(Parser.number(sm[2]) ?? -1); }
        else if (b && !a) { r = b; sc = Number(Parser.number(sm[1]) ?? -1); }
        if (r && ![1, 2, 4, 8].includes(sc)) this.fail(termCol, 'scale must be 1, 2, 4 or 8');
      }
      if (r) {
        if (m[1] === '-') this.fail(termCol, 'a register cannot be subtracted');
        if (r.size !== 4 && r.size !== 8) this.fail(termCol, 'address registers must be 32- or 64-bit');
        if (addrSize && addrSize !== r.size) this.fail(termCol, 'address registers of different sizes');
        addrSize = r.size as 4 | 8;
        if (sc || (base !== null && index === null)) {
          if (index !== null) this.fail(termCol, 'more than one index register');
          index = r.reg;
          scale = sc || 1;
        } else base = r.reg;
      } else {
        const t = this.expr(m[2].trim(), termCol);
        const sign = m[1] === '-' ? -1n : 1n;
        disp.constant += sign * t.constant;
        for (const l of t.labels) disp.labels.push({ ...l, sign: (l.sign * sign) as 1n | -1n });
        disp.symbolic ||= t.symbolic;
      }
      pos = re.lastIndex;
    }
    if (index === 4) {
      if (scale !== 1 || base === 4) this.fail(column, 'rsp cannot be an index register');
      [base, index] = [index, base];
    }
    if (ripReg) {
      if (base !== null || index !== null) this.fail(column, 'rip cannot be combined with other registers');
      return { kind: 'mem', size, seg, base: null, index: null, scale: 1, disp, addrSize: 8, rip: true, ripDisp: true, column };
    }
    const rip = base === null && index === null && disp.symbolic;
    return { kind: 'mem', size, seg, base, index, scale, disp, addrSize: addrSize || 8, rip, column };
  }
}

/** Splits on commas outside brackets and parentheses, keeping each piece's column. */
function splitOperands(text: string, column: number): { text: string; column: number }[] {
  const out: { text: string; column: number }[] = [];
  let depth = 0;
  let start = 0;
  let quote = '';
  for (let i = 0; i <= text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === quote) quote = '';
      continue;
    }
    if (c === "'" || c === '"') quote = c;
    else if (c === '[' || c === '(') depth++;
    else if (c === ']' || c === ')') depth--;
    else if ((c === ',' && depth === 0) || i === text.length) {
      out.push({ text: text.slice(start, i), column: column + start });
      start = i + 1;
    }
  }
  return out;
}

// ---- mnemonic index ------------------------------------------------------------------------

interface Candidate {
  row: OpcodeRow;
  opSize: number; // 0 = from the operands
  cond: number;
  /** jecxz / loopd: ECX counts, via the 67 prefix (SDM Vol. 2A LOOP/LOOPcc, Jcc). */
  addr32?: boolean;
}

const BY_MNEMONIC = new Map<string, Candidate[]>();
function addCandidate(name: string, c: Candidate): void {
  const list = BY_MNEMONIC.get(name) ?? [];
  list.push(c);
  BY_MNEMONIC.set(name, list);
}
for (const row of OPCODES) {
  // The /6 alias of SHL is never produced: `sal` assembles to /4, as GNU as does.
  if (row.mnemonic === 'sal') continue;
  if (row.mnemonicBySize) {
    for (const [size, name] of Object.entries(row.mnemonicBySize)) addCandidate(name!, { row, opSize: Number(size), cond: -1 });
  } else if (row.plusCC) {
    CC_NAMES.forEach((cc, i) => addCandidate(row.mnemonic.replace('*', cc), { row, opSize: 0, cond: i }));
    for (const [cc, i] of Object.entries(CC_ALIASES)) addCandidate(row.mnemonic.replace('*', cc), { row, opSize: 0, cond: i });
  } else addCandidate(row.mnemonic, { row, opSize: 0, cond: -1 });
}
for (const [name, target] of [['sal', 'shl'], ['int3', 'int'], ['sysretd', 'sysret'], ['jecxz', 'jrcxz'], ['pushw', 'push'], ['loopd', 'loop'], ['looped', 'loope'], ['loopned', 'loopne'], ['loopz', 'loope'], ['loopnz', 'loopne']] as const) {
  let list = BY_MNEMONIC.get(target)!;
  if (name === 'int3') list = list.filter((c) => c.row.op === 'int3');
  if (name === 'jecxz' || name.startsWith('loop') && name.endsWith('d')) list = list.map((c) => ({ ...c, addr32: true }));
  if (name === 'pushw') list = list.filter((c) => c.row.operands[0]?.kind === 'I').map((c) => ({ ...c, opSize: 2 }));
  // Keep what the table already gave the name (`pushw fs` from the PUSH FS/GS rows).
  BY_MNEMONIC.set(name, [...(BY_MNEMONIC.get(name) ?? []), ...list]);
}
/** String instructions with the size in the mnemonic (`stosq`) take no operands. */
const STRING_SUFFIXED = /^(movs|cmps|stos|lods|scas)([bwdq])$/;

const PREFIX_WORDS = new Set(['lock', 'rep', 'repe', 'repz', 'repne', 'repnz']);

// ---- encoding ------------------------------------------------------------------------------

interface Context {
  address: bigint;
  labels: Map<string, bigint>;
  /** In early passes labels may be unknown or move; values are provisional. */
  final: boolean;
  line: number;
}

function evaluate(e: Expr, ctx: Context): bigint {
  let v = e.constant;
  for (const l of e.labels) {
    const a = ctx.labels.get(l.name);
    if (a === undefined) {
      if (ctx.final) throw new AsmError(ctx.line, l.column, `label '${l.name}' has no address`);
      v += l.sign * ctx.address;
    } else v += l.sign * a;
  }
  return v;
}

const fitsS8 = (v: bigint) => v >= -128n && v <= 127n;
const fitsS32 = (v: bigint) => v >= -0x80000000n && v <= 0x7fffffffn;

/** The operand size a row would use with these operands, or 0 if it cannot tell. */
function inferOpSize(c: Candidate, ops: AsmOperand[]): number {
  if (c.opSize) return c.opSize;
  const r = c.row;
  switch (r.osz) {
    case 'b': return 1;
    case 'w': return 2;
    case 'f64': case 'q': return 8;
    case 'n': return 4;
  }
  for (let i = 0; i < r.operands.length; i++) {
    const s = r.operands[i];
    const o = ops[i];
    if (!o) continue;
    if (s.size === 'v' || s.size === 'y') {
      if (o.kind === 'reg') return o.size;
      if (o.kind === 'mem' && o.size) return o.size;
    }
    if (s.size === 'z' && o.kind === 'reg' && s.kind !== 'I') return o.size === 4 ? 8 : o.size; // movsxd r64,r32
    if (s.size === 'x') return o.kind === 'reg' ? o.size : 4; // memory is a word at any operand size
    if (s.size === 'r' && o.kind === 'reg' && o.size === 8) return 8; // crc32 r64
    if (s.size === 'c' && o.kind === 'mem') return o.size === 16 ? 8 : 4; // cmpxchg16b / 8b
  }
  if (r.operands.some((s) => s.size === 'r')) return 4; // crc32 r32, r/m8
  if (r.osz === 'd64') return 8;
  return 0;
}

interface Built {
  bytes: number[];
  /** A relative branch that did not fit in rel8. */
  shortMiss?: boolean;
}

function encodeWith(c: Candidate, ops: AsmOperand[], prefixes: string[], st: Statement, ctx: Context): Built | null {
  const r = c.row;
  if (ops.length !== r.operands.length) return null;
  const opSize = inferOpSize(c, ops);
  if (!opSize) return null;
  if (r.osz === 'v' && ![2, 4, 8].includes(opSize)) return null;
  if (r.osz === 'd64' && opSize !== 2 && opSize !== 8) return null;
  if (r.osz === 'y' && opSize !== 4 && opSize !== 8) return null;
  if (r.osz === 'b' && opSize !== 1) return null;

  let regField = -1;
  let vReg = -1; // VEX.vvvv
  let rmOp: AsmOperand | null = null;
  let zReg = -1;
  let needRex = false;
  let forbidRex = false;
  let seg = -1;
  let addr67 = false;
  const imms: { value: bigint; bytes: number }[] = [];
  let rel: { target: bigint; bytes: number } | null = null;
  let moffs: bigint | null = null;

  const noteReg = (o: AsmOperand & { kind: 'reg' }) => {
    if (o.size === 1 && !o.high8 && o.reg >= 4) needRex = true;
    if (o.high8) forbidRex = true;
  };

  for (let i = 0; i < ops.length; i++) {
    const s = r.operands[i];
    const o = ops[i];
    const isMem = o.kind === 'mem';
    const want = operandSizeOf(s.size, opSize, isMem);
    switch (s.kind) {
      case 'E': case 'M': case 'R':
        if (o.kind === 'reg') {
          if (s.kind === 'M' || o.size !== want) return null;
          noteReg(o);
          rmOp = o;
        } else if (o.kind === 'mem') {
          if (s.kind === 'R') return null;
          if (s.size === 'n' || s.size === 't') {
            if (o.size !== 0 && o.size !== want) return null;
          } else if (o.size !== want && !(o.size === 0 && ops.some((p) => p.kind === 'reg'))) return null;
          rmOp = o;
        } else return null;
        break;
      case 'G':
        if (o.kind !== 'reg' || o.size !== want) return null;
        noteReg(o);
        regField = o.reg;
        break;
      case 'Z':
        if (o.kind !== 'reg' || o.size !== want) return null;
        // 90 is NOP, not xchg eax,eax (which clears the upper half of rax): use 87 C0 for that.
        if (r.op === 'xchg' && o.reg === 0) return null;
        noteReg(o);
        zReg = o.reg;
        break;
      case 'A':
        if (o.kind !== 'reg' || o.reg !== 0 || o.high8 || o.size !== want) return null;
        break;
      case 'CL':
        if (o.kind !== 'reg' || o.reg !== 1 || o.size !== 1) return null;
        break;
      case '1': case '3':
        if (o.kind !== 'imm' || o.expr.labels.length || o.expr.constant !== BigInt(s.kind)) return null;
        break;
      case 'S':
        if (o.kind !== 'sreg') return null;
        if (r.op === 'mov_sreg' && o.reg === 1) return null;
        regField = o.reg;
        break;
      case 'FS': case 'GS':
        if (o.kind !== 'sreg' || o.reg !== (s.kind === 'FS' ? 4 : 5)) return null;
        break;
      case 'C':
        if (o.kind !== 'cr' || ![0, 2, 3, 4, 8].includes(o.reg)) return null;
        regField = o.reg;
        break;
      case 'D':
        if (o.kind !== 'dr' || o.reg > 7) return null;
        regField = o.reg;
        break;
      case 'I': {
        if (o.kind !== 'imm') return null;
        const v = evaluate(o.expr, ctx);
        const provisional = o.expr.labels.length > 0;
        let n: number;
        if (s.size === 'b') {
          if (provisional || v < -128n || v > 255n) return null;
          n = 1;
        } else if (s.size === 'w') {
          if (provisional || v < -0x8000n || v > 0xffffn) return null;
          n = 2;
        } else if (s.size === 's') {
          if (provisional) return null;
          const sv = BigInt.asIntN(opSize * 8, v);
          if (!fitsS8(sv) || !fitsIn(v, opSize)) return null;
          n = 1;
        } else if (s.size === 'z') {
          n = opSize === 2 ? 2 : 4;
          if (!fitsIn(v, opSize)) return null;
          // A label's value is not known while laying out: mov r64 then takes the imm64 form so
          // that the size cannot change between passes.
          if (opSize === 8 && provisional && r.op === 'mov') return null;
          if (opSize === 8 && (!provisional || ctx.final) && !fitsS32(BigInt.asIntN(64, v))) return null;
        } else {
          n = opSize;
          if (!fitsIn(v, opSize)) return null;
        }
        imms.push({ value: v, bytes: n });
        break;
      }
      case 'J': {
        if (o.kind !== 'imm') return null;
        const n = s.size === 'b' ? 1 : 4;
        if (n === 1 && st.long && (r.opcode === 0xeb || r.plusCC)) return null;
        rel = { target: evaluate(o.expr, ctx), bytes: n };
        break;
      }
      case 'O':
        if (o.kind !== 'mem' || o.base !== null || o.index !== null || o.rip || (o.size !== want && o.size !== 0)) return null;
        if (o.addrSize !== 8) return null;
        moffs = evaluate(o.disp, ctx);
        if (o.seg >= 0) seg = o.seg;
        break;
      case 'B': // the VEX.vvvv register
        if (o.kind !== 'reg' || o.size !== want) return null;
        vReg = o.reg;
        break;
      case 'T': // xlat byte ptr [rbx]
        if (o.kind !== 'mem' || o.index !== null || o.base !== 3 || o.disp.constant !== 0n || o.disp.labels.length || (o.size !== 1 && o.size !== 0)) return null;
        if (o.addrSize === 4) addr67 = true;
        if (o.seg >= 0 && o.seg !== 3) seg = o.seg;
        break;
      case 'X': case 'Y': {
        if (o.kind !== 'mem' || o.index !== null || o.disp.constant !== 0n || o.disp.labels.length) return null;
        if (o.base !== (s.kind === 'X' ? 6 : 7) || o.size !== want) return null;
        if (o.addrSize === 4) addr67 = true;
        if (s.kind === 'X' && o.seg >= 0 && o.seg !== 3) seg = o.seg;
        if (s.kind === 'Y' && o.seg >= 0 && o.seg !== 0) return null;
        break;
      }
      default:
        return null;
    }
  }
  // String forms with the size in the mnemonic carry no operands.
  if (r.rep && ops.length === 0 && r.operands.length) return null;

  const out: number[] = [];
  // REX (Vol. 2A §2.2.1): W for 64-bit operand size where the default is 32.
  let rex = 0;
  if (opSize === 8 && (r.osz === 'v' || r.osz === 'y')) rex |= 8;
  if (regField >= 8) rex |= 4;
  if (zReg >= 8) rex |= 1;

  // ModRM / SIB / displacement.
  const tail: number[] = [];
  let ripPatch = -1;
  let ripTarget = 0n;
  if (r.modrm !== -1) {
    const regBits = typeof r.modrm === 'number' ? r.modrm : regField >= 0 ? regField & 7 : 0;
    if (r.fixedModrm >= 0) {
      tail.push(r.fixedModrm);
    } else if (rmOp && rmOp.kind === 'reg') {
      if (rmOp.reg >= 8) rex |= 1;
      tail.push(0xc0 | (regBits << 3) | (rmOp.reg & 7));
    } else if (rmOp && rmOp.kind === 'mem') {
      const m = rmOp;
      if (m.seg >= 0) seg = m.seg;
      if (m.addrSize === 4) addr67 = true;
      const disp = evaluate(m.disp, ctx);
      const provisional = m.disp.labels.length > 0;
      if (m.rip && m.ripDisp) {
        if (!fitsS32(disp)) return null;
        tail.push((regBits << 3) | 5);
        pushLE(tail, disp, 4);
      } else if (m.rip) {
        tail.push((regBits << 3) | 5);
        ripPatch = tail.length;
        ripTarget = disp;
        tail.push(0, 0, 0, 0);
      } else if (m.base === null) {
        // No base: SIB with base 101b and mod 00 means disp32 only (Vol. 2A Table 2-3).
        const d = m.addrSize === 8 ? BigInt.asIntN(64, disp) : BigInt.asIntN(32, disp);
        if (!fitsS32(d) && !(m.addrSize === 4 && disp >= 0n && disp <= 0xffffffffn)) return null;
        const idx = m.index === null ? 4 : m.index & 7;
        if (m.index !== null && m.index >= 8) rex |= 2;
        tail.push(0x04 | (regBits << 3), ((m.index === null ? 0 : Math.log2(m.scale)) << 6) | (idx << 3) | 5);
        pushLE(tail, disp, 4);
      } else {
        const d = disp;
        if ((!provisional || ctx.final) && !fitsS32(d)) return null;
        const baseLow = m.base & 7;
        let mod: number;
        if (provisional) mod = 2;
        else if (d === 0n && baseLow !== 5) mod = 0;
        else if (fitsS8(d)) mod = 1;
        else mod = 2;
        if (m.base >= 8) rex |= 1;
        if (m.index !== null || baseLow === 4) {
          const idx = m.index === null ? 4 : m.index & 7;
          if (m.index !== null && m.index >= 8) rex |= 2;
          tail.push((mod << 6) | (regBits << 3) | 4, (Math.log2(m.scale) << 6) | (idx << 3) | baseLow);
        } else tail.push((mod << 6) | (regBits << 3) | baseLow);
        if (mod === 1) pushLE(tail, d, 1);
        else if (mod === 2) pushLE(tail, d, 4);
      }
    } else if (r.mod === 'reg') {
      tail.push(0xc0 | (regBits << 3)); // lfence, mfence, sfence: ModRM E8 / F0 / F8
    } else {
      return null;
    }
  }

  if (needRex || rex) {
    if (forbidRex) return null; // ah..bh cannot be encoded with a REX prefix
    rex |= 0x40;
  }

  // Legacy prefixes in GNU as's order: segment, 67, 66, F2/F3, F0, then REX.
  if (seg >= 0) out.push([0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65][seg]);
  if (addr67 || c.addr32) out.push(0x67);
  if (r.vex) {
    // VEX3 (SDM Vol. 2A §2.3.5): C4, ~R ~X ~B mmmmm, W ~vvvv L=0 pp, then the opcode.
    if (prefixes.length) return null;
    out.push(0xc4, ((rex & 4 ? 0 : 0x80) | (rex & 2 ? 0 : 0x40) | (rex & 1 ? 0 : 0x20) | r.map) >>> 0,
      ((rex & 8 ? 0x80 : 0) | ((~Math.max(vReg, 0) & 15) << 3) | [0, 0x66, 0xf3, 0xf2].indexOf(r.prefix)) >>> 0, r.opcode);
    const tailStart = out.length;
    out.push(...tail);
    for (const im of imms) pushLE(out, im.value, im.bytes);
    if (ripPatch >= 0) {
      const d = BigInt.asIntN(64, ripTarget - (ctx.address + BigInt(out.length)));
      if (!fitsS32(d) && ctx.final) throw new AsmError(ctx.line, st.mnemonicColumn, 'RIP-relative target farther than 2 GB');
      const v = BigInt.asUintN(32, d);
      for (let k = 0; k < 4; k++) out[tailStart + ripPatch + k] = Number((v >> BigInt(8 * k)) & 0xffn);
    }
    return { bytes: out };
  }
  if (opSize === 2 && (r.osz === 'v' || r.osz === 'd64')) out.push(0x66);
  for (const p of prefixes) {
    if (p === 'lock') continue;
    if (!r.rep) return null;
    out.push(p === 'repne' || p === 'repnz' ? 0xf2 : 0xf3);
  }
  if (r.prefix) out.push(r.prefix);
  if (prefixes.includes('lock')) {
    if (!r.lock || !rmOp || rmOp.kind !== 'mem') return null;
    out.push(0xf0);
  }
  if (rex) out.push(rex);
  if (r.map >= 1) out.push(0x0f);
  if (r.map >= 2) out.push(r.map === 2 ? 0x38 : 0x3a);
  out.push(r.opcode + (r.plusR ? zReg & 7 : r.plusCC ? c.cond : 0));
  const tailStart = out.length;
  out.push(...tail);
  if (moffs !== null) pushLE(out, moffs, 8);
  for (const im of imms) pushLE(out, im.value, im.bytes);
  let shortMiss = false;
  if (rel) {
    const end = ctx.address + BigInt(out.length + rel.bytes);
    const d = BigInt.asIntN(64, rel.target - end);
    const fits = rel.bytes === 1 ? fitsS8(d) : fitsS32(d);
    if (!fits) {
      if (rel.bytes === 1) shortMiss = true;
      if (ctx.final || rel.bytes === 4) {
        if (rel.bytes === 4) throw new AsmError(ctx.line, st.mnemonicColumn, 'branch target out of rel32 range');
        return { bytes: [], shortMiss: true };
      }
    }
    pushLE(out, d, rel.bytes);
  }
  if (ripPatch >= 0) {
    const end = ctx.address + BigInt(out.length);
    const d = BigInt.asIntN(64, ripTarget - end);
    if (!fitsS32(d)) {
      if (ctx.final) throw new AsmError(ctx.line, st.mnemonicColumn, 'RIP-relative target farther than 2 GB');
    }
    const at = tailStart + ripPatch;
    const v = BigInt.asUintN(32, d);
    for (let k = 0; k < 4; k++) out[at + k] = Number((v >> BigInt(8 * k)) & 0xffn);
  }
  return { bytes: out, shortMiss };
}

function fitsIn(v: bigint, size: number): boolean {
  const bits = BigInt(size * 8);
  return v >= -(1n << (bits - 1n)) && v < 1n << bits;
}

function pushLE(out: number[], v: bigint, n: number): void {
  const u = BigInt.asUintN(n * 8, v);
  for (let k = 0; k < n; k++) out.push(Number((u >> BigInt(8 * k)) & 0xffn));
}

function encodeStatement(st: Statement, ctx: Context): number[] {
  if (st.kind === 'none') return [];
  if (st.kind === 'align') {
    const pad = Number((BigInt(st.alignTo) - (ctx.address % BigInt(st.alignTo))) % BigInt(st.alignTo));
    return new Array(pad).fill(0xcc);
  }
  if (st.kind === 'data') {
    const out: number[] = [];
    st.data.forEach((d, i) => {
      if (d instanceof Uint8Array) {
        out.push(...d);
        return;
      }
      const v = evaluate(d, ctx);
      if (!fitsIn(v, st.dataSize)) throw new AsmError(st.line, st.dataColumns[i], `value does not fit in ${st.dataSize} byte${st.dataSize > 1 ? 's' : ''}`);
      pushLE(out, v, st.dataSize);
    });
    return out;
  }
  let name = st.mnemonic;
  let ops = st.operands;
  const sm = STRING_SUFFIXED.exec(name);
  let fixedSize = 0;
  if (sm && ops.length === 0) {
    name = sm[1];
    fixedSize = { b: 1, w: 2, d: 4, q: 8 }[sm[2] as 'b' | 'w' | 'd' | 'q'];
  }
  const cands = BY_MNEMONIC.get(name);
  if (!cands) throw new AsmError(st.line, st.mnemonicColumn, `unknown instruction '${st.mnemonic}'`);
  let best: number[] | null = null;
  let bestRegDest = false;
  let shortMiss = false;
  const tryAll = (list: AsmOperand[]) => {
    for (const c of cands) {
      let cand = c;
      let opsForRow = list;
      if (fixedSize) {
        if (!c.row.rep || (c.row.osz === 'b') !== (fixedSize === 1)) continue;
        cand = { ...c, opSize: fixedSize };
        opsForRow = stringOperands(c.row, fixedSize);
      }
      const b = encodeWith(cand, opsForRow, st.prefixes, st, ctx);
      if (!b) continue;
      if (b.shortMiss) {
        shortMiss = true;
        continue;
      }
      // Register-to-register forms have two encodings (e.g. 89 /r and 8B /r); Microsoft's
      // assembler and compiler, whose bytes WinDbg shows in Windows code, use the one whose
      // ModRM.reg is the destination (8B C1 = mov eax,ecx; 33 C0 = xor eax,eax).
      const regDest = c.row.operands[0]?.kind === 'G';
      if (best === null || b.bytes.length < best.length || (b.bytes.length === best.length && regDest && !bestRegDest)) {
        best = b.bytes;
        bestRegDest = regDest;
      }
    }
  };
  if (name === 'int3' && ops.length === 0) ops = [{ kind: 'imm', expr: { constant: 3n, labels: [], symbolic: false }, column: 0 }];
  tryAll(ops);
  // xchg and test are symmetric: accept the operands in either order (xchg: the shorter wins).
  if ((name === 'xchg' || (name === 'test' && best === null)) && ops.length === 2) tryAll([ops[1], ops[0]]);
  if (shortMiss && !st.long && best === null) {
    st.long = true;
    return encodeStatement(st, ctx);
  }
  if (best === null && shortMiss) throw new AsmError(st.line, st.operands[0]?.column ?? st.mnemonicColumn, 'branch target out of range of a short (rel8) branch');
  if (best === null) {
    const col = st.operands.length ? st.operands[0].column : st.mnemonicColumn;
    throw new AsmError(st.line, col, describeMismatch(st, name, ctx));
  }
  return best;
}

function stringOperands(row: OpcodeRow, size: number): AsmOperand[] {
  const zero: Expr = { constant: 0n, labels: [], symbolic: false };
  return row.operands.map((s) => ({
    kind: 'mem' as const, size, seg: -1, base: s.kind === 'X' ? 6 : 7, index: null, scale: 1, disp: zero, addrSize: 8 as const, rip: false, column: 0,
  }));
}

function describeMismatch(st: Statement, name: string, ctx: Context): string {
  const ops = st.operands;
  for (const o of ops) {
    if (o.kind !== 'imm' || name.startsWith('j') || name === 'call' || name.startsWith('loop')) continue;
    const v = evaluate(o.expr, ctx);
    if (!fitsS32(v) && !(v >= 0n && v <= 0xffffffffn)) {
      return `immediate ${o.expr.labels.length ? 'address ' : ''}does not fit in 32 bits: only mov to a 64-bit register takes a 64-bit immediate`;
    }
  }
  const memNoSize = ops.find((o) => o.kind === 'mem' && o.size === 0);
  if (memNoSize && !ops.some((o) => o.kind === 'reg') && name !== 'lea') {
    return `operand size is not specified: write byte/word/dword/qword ptr for '${name}'`;
  }
  if (ops.some((o) => o.kind === 'reg' && o.high8) && ops.some((o) => o.kind === 'reg' && (o.reg >= 8 || (o.size === 1 && !o.high8 && o.reg >= 4)))) {
    return 'ah, ch, dh and bh cannot be used with registers that need a REX prefix';
  }
  return `no form of '${name}' takes these operands`;
}

// ---- driver --------------------------------------------------------------------------------

function stripComment(text: string): string {
  let quote = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === quote) quote = '';
    } else if (c === "'" || c === '"') quote = c;
    else if (c === ';') return text.slice(0, i);
  }
  return text;
}

const LABEL_RE = /^\s*([A-Za-z_.$?@][\w.$?@]*)\s*:(?!:)/;

export function assemble(source: string, options: AssembleOptions = {}): AssembleResult {
  const origin = options.origin ?? 0n;
  const rawLines = source.split(/\r?\n/);
  // Labels first, so that uses before the definition parse as labels.
  const labelNames = new Set<string>();
  rawLines.forEach((raw, i) => {
    const m = LABEL_RE.exec(stripComment(raw));
    if (m) {
      if (labelNames.has(m[1])) throw new AsmError(i + 1, raw.indexOf(m[1]) + 1, `label '${m[1]}' defined twice`);
      labelNames.add(m[1]);
    }
  });

  const statements: Statement[] = rawLines.map((raw, i) => parseLine(raw, i + 1, labelNames, options.symbols));

  // Lay out until label addresses and branch sizes stop changing (branches only grow).
  let labels = new Map<string, bigint>();
  let encoded: number[][] = [];
  for (let pass = 0; ; pass++) {
    const next = new Map<string, bigint>();
    let address = origin;
    const longBefore = statements.map((s) => s.long);
    encoded = statements.map((st) => {
      if (st.label) next.set(st.label, address);
      const b = encodeStatement(st, { address, labels, final: false, line: st.line });
      address += BigInt(b.length);
      return b;
    });
    const stable = pass > 0 && sameMap(labels, next) && statements.every((s, k) => s.long === longBefore[k]);
    labels = next;
    if (stable) break;
    if (pass > 50) throw new AsmError(1, 1, 'layout did not settle');
  }
  // Final pass: every label is known; values and ranges are checked.
  let address = origin;
  const lines: AssembledLine[] = [];
  const all: number[] = [];
  statements.forEach((st, k) => {
    const b = encodeStatement(st, { address, labels, final: true, line: st.line });
    if (b.length !== encoded[k].length) throw new AsmError(st.line, 1, 'internal: instruction size changed in the final pass');
    if (st.kind !== 'none' || st.label) lines.push({ line: st.line, address, bytes: Uint8Array.from(b), source: st.source });
    all.push(...b);
    address += BigInt(b.length);
  });
  return { bytes: Uint8Array.from(all), labels, lines };
}

function sameMap(a: Map<string, bigint>, b: Map<string, bigint>): boolean {
  if (a.size !== b.size) return false;
  for (const [k, v] of a) if (b.get(k) !== v) return false;
  return true;
}

function parseLine(raw: string, line: number, labelNames: Set<string>, symbols: AssembleOptions['symbols']): Statement {
  const st: Statement = {
    line, source: raw, label: null, kind: 'none', mnemonic: '', mnemonicColumn: 1, prefixes: [], operands: [],
    dataSize: 0, data: [], dataColumns: [], alignTo: 1, long: false,
  };
  const p = new Parser(line, labelNames, symbols);
  let text = stripComment(raw);
  let offset = 0;
  const lm = LABEL_RE.exec(text);
  if (lm) {
    st.label = lm[1];
    offset = lm[0].length;
  }
  // Words: prefixes, then the mnemonic, then the operand text.
  const wordRe = /\s*([A-Za-z][\w.]*)/y;
  for (;;) {
    wordRe.lastIndex = offset;
    const m = wordRe.exec(text);
    if (!m) {
      if (text.slice(offset).trim()) p.fail(offset + 1 + (text.slice(offset).length - text.slice(offset).trimStart().length), `cannot read '${text.slice(offset).trim()}'`);
      return st;
    }
    const word = m[1].toLowerCase();
    const col = m.index + m[0].indexOf(m[1]) + 1;
    offset = wordRe.lastIndex;
    if (PREFIX_WORDS.has(word)) {
      st.prefixes.push(word);
      continue;
    }
    st.mnemonic = word;
    st.mnemonicColumn = col;
    break;
  }
  const rest = text.slice(offset);
  const restCol = offset + 1;
  if (st.mnemonic === 'db' || st.mnemonic === 'dw' || st.mnemonic === 'dd' || st.mnemonic === 'dq') {
    if (st.prefixes.length) p.fail(1, 'a prefix cannot precede data');
    st.kind = 'data';
    st.dataSize = { db: 1, dw: 2, dd: 4, dq: 8 }[st.mnemonic as 'db']!;
    for (const piece of splitOperands(rest, restCol)) {
      const t = piece.text.trim();
      const col = piece.column + (piece.text.length - piece.text.trimStart().length);
      if (!t) p.fail(col, 'missing value');
      const q = /^(['"])(.*)\1$/.exec(t);
      if (q) {
        if (st.dataSize !== 1) p.fail(col, 'text is allowed only in db');
        st.data.push(new TextEncoder().encode(q[2]));
      } else st.data.push(p.expr(t, col));
      st.dataColumns.push(col);
    }
    return st;
  }
  if (st.mnemonic === 'align') {
    const v = Parser.number(rest.trim());
    if (v === null || v <= 0n || (v & (v - 1n)) !== 0n) p.fail(restCol, 'align takes a power of two');
    st.kind = 'align';
    st.alignTo = Number(v);
    return st;
  }
  st.kind = 'ins';
  if (rest.trim()) {
    for (const piece of splitOperands(rest, restCol)) {
      if (!piece.text.trim()) p.fail(piece.column, 'missing operand');
      st.operands.push(p.operand(piece.text, piece.column));
    }
  }
  for (const o of st.operands) {
    if (o.kind === 'cr' && ![0, 2, 3, 4, 8].includes(o.reg)) p.fail(o.column, `there is no control register cr${o.reg}`);
    if (o.kind === 'dr' && o.reg > 7) p.fail(o.column, `there is no debug register dr${o.reg}`);
  }
  if (!BY_MNEMONIC.has(st.mnemonic) && !STRING_SUFFIXED.test(st.mnemonic)) p.fail(st.mnemonicColumn, `unknown instruction '${st.mnemonic}'`);
  return st;
}
