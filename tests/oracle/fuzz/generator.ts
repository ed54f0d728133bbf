// Random instruction sequences over the whole opcode table, generated against the model so that
// they stay inside the arena: each instruction is encoded from a random row (operand sizes, high
// byte registers, REX, every ModRM/SIB form, 67h, LOCK, REP/REPNE, segment prefixes, immediates),
// its memory operand aimed at a chosen address (page ends, so operands straddle read-only and
// not-present pages; code ahead, so code modifies itself; non-canonical addresses), then run on
// the model. An instruction that would touch memory outside the arena or branch backwards is
// taken back (journal) and another drawn; one that faults ends the sequence. Code is laid out
// where execution goes: a taken forward branch leaves the skipped bytes random, bytes the
// sequence stored ahead of itself are executed as they are.

import { readFileSync } from 'node:fs';
import { OPCODES, type OpcodeRow } from '../../../emulator/src/cpu/index.ts';
import { FuzzWorld, ARENA, ARENA_END, PAGE, PAGES, type FuzzCase } from './arena.ts';
import { stepOne } from './model.ts';

/** Rows whose results depend on the host rather than the architecture, or that would leave the
 *  sandbox; each with the reason. */
export const EXCLUDED: Record<string, string> = {
  syscall: 'a real system call on the host',
  cpuid: 'reports the host processor, not the modeled one',
  rdtsc: 'time', rdtscp: 'time',
  rdrand: 'random by definition', rdseed: 'random by definition',
  xgetbv: 'XCR0 is what the host OS enabled',
  sgdt: 'UMIP: Linux emulates it with dummy values', sidt: 'UMIP: Linux emulates it', str: 'UMIP: Linux emulates it',
  mov_sreg: 'selectors index the host OS\'s GDT', lar: 'reads the host OS\'s GDT', lsl: 'reads the host OS\'s GDT',
  verr: 'reads the host OS\'s GDT', verw: 'reads the host OS\'s GDT',
  iret: 'a frame the generator would have to build (IRETQ is tested in tests/unit/cpu-interrupts)',
};

// Instructions the modeled CPU's CPUID leaves out (cpuid.ts) raise #UD on the model; on a host that
// enumerates them they run, so the two are not comparable there. The #UD is unit-tested
// (tests/unit/cpu-common-instructions). /proc/cpuinfo's flag name for each such row:
const MODEL_LACKS: Record<string, string> = { rdpid: 'rdpid' };
const hostFlags = (() => { try { return readFileSync('/proc/cpuinfo', 'utf8'); } catch { return ''; } })();
for (const [op, flag] of Object.entries(MODEL_LACKS))
  if (new RegExp(`\\b${flag}\\b`).test(hostFlags)) EXCLUDED[op] = `the host enumerates ${flag.toUpperCase()}, the modeled CPU does not`;

/** Excluded rows whose result is the host's (time, randomness, the host OS's tables, CPUID): when
 *  random or self-modified bytes reach one anyway, the runs are compared up to it, not after.
 *  IRETQ is excluded only for want of a frame: its runs are compared. */
export const HOST_DEPENDENT: ReadonlySet<string> = new Set(Object.keys(EXCLUDED).filter((op) => op !== 'iret'));

export const FUZZ_ROWS: number[] = OPCODES.map((_, i) => i).filter((i) => {
  const r = OPCODES[i];
  if (EXCLUDED[r.op]) return false;
  if (r.op === 'pop' && r.operands[0]?.kind.length === 2) return false; // pop fs/gs: host GDT
  return true;
});

export class Rng {
  private s: number;
  constructor(seed: number) { this.s = seed >>> 0 || 1; }
  /** mulberry32 */
  u32(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }
  int(n: number): number { return this.u32() % n; }
  chance(p: number): boolean { return this.u32() < p * 4294967296; }
  pick<T>(a: readonly T[]): T { return a[this.int(a.length)]; }
  u64(): bigint { return (BigInt(this.u32()) << 32n) | BigInt(this.u32()); }
}

const SPECIAL = [0n, 1n, 2n, 0x7fn, 0x80n, 0xffn, 0x7fffn, 0x8000n, 0xffffn, 0x7fffffffn, 0x80000000n, 0xffffffffn,
  0x100000000n, 0x7fffffffffffffffn, 0x8000000000000000n, 0xffffffffffffffffn, 0xfffffffffffffffen];

function value(r: Rng): bigint {
  switch (r.int(4)) {
    case 0: return r.pick(SPECIAL);
    case 1: return BigInt(r.int(64));
    case 2: return BigInt(ARENA + r.int(PAGES * PAGE));
    default: return r.u64();
  }
}

const fitsI8 = (v: bigint): boolean => v >= -128n && v < 128n;
const fitsI32 = (v: bigint): boolean => v >= -0x80000000n && v < 0x80000000n;
const le = (v: bigint, n: number): number[] => Array.from({ length: n }, (_, i) => Number((BigInt.asUintN(64, v) >> BigInt(8 * i)) & 0xffn));
const inArena = (v: bigint, margin = 0): boolean => v >= BigInt(ARENA) && v < BigInt(ARENA_END - margin);

/** `mov r64, imm64` (REX.W B8+r; SDM Vol. 2B MOV). */
function movImm(reg: number, v: bigint): number[] { return [0x48 | (reg >> 3), 0xb8 | (reg & 7), ...le(v, 8)]; }

interface Built { bytes: number[]; setup?: undefined }
interface Setup { setup: number[]; bytes?: undefined }

/** Encodes one instruction of `row` for the machine state `reg(i)`, at address `at`. */
function encode(row: OpcodeRow, r: Rng, reg: (i: number) => bigint, at: number, pos: { codeWritable: boolean }): Built | Setup | null {
  const op = row.op;
  let opSize = 4;
  const pre: number[] = [];
  let W = false;
  if (row.osz === 'v') { const k = r.int(3); opSize = [2, 4, 8][k]; W = k === 2; if (k === 0) pre.push(0x66); }
  else if (row.osz === 'd64') { if (r.chance(0.2)) { opSize = 2; pre.push(0x66); } else opSize = 8; }
  else if (row.osz === 'y') { W = r.chance(0.5); opSize = W ? 8 : 4; }
  else if (row.osz === 'b') opSize = 1;
  else if (row.osz === 'f64' || row.osz === 'q') opSize = 8;
  else if (row.osz === 'w') opSize = 2;
  if (row.prefix === 0x66) pre.push(0x66);
  const a32 = r.chance(0.12);
  const specs = row.operands;
  const hasE = specs.some((s) => 'EMR'.includes(s.kind));
  const wantMem = row.mod === 'mem' || (row.mod === 'any' && hasE && !specs.some((s) => s.kind === 'R') && r.chance(0.6));
  const isMem = row.modrm !== -1 && row.fixedModrm < 0 && wantMem && !op.startsWith('mov_');
  let regField = typeof row.modrm === 'number' ? row.modrm : r.int(16);
  if (specs.some((s) => s.kind === 'S')) regField = r.int(6);
  if (specs.some((s) => s.kind === 'D')) regField = r.int(8);
  if (specs.some((s) => s.kind === 'C')) regField = r.pick([0, 2, 3, 4, 8, 1, 5]);
  let rm = r.int(16);
  const zreg = r.int(16);
  let X = 0, B = 0;
  const tail: number[] = [];
  let modrmBytes: number[] = [];
  let ripDisp: bigint | null = null;
  let needRex = W || (row.modrm !== -1 && regField >= 8) || (row.plusR && zreg >= 8);
  // Implicit registers the instruction uses as addresses must point into the arena.
  const stackOp = ['push', 'pop', 'pushf', 'popf', 'call', 'ret', 'leave', 'enter'].includes(op);
  if (stackOp && !inArena(reg(4), 64) ) return { setup: movImm(4, BigInt(ARENA + r.int(PAGES) * PAGE + 0x800)) };
  if ((op === 'leave' || op === 'enter') && !inArena(reg(5), 16)) return { setup: movImm(5, BigInt(ARENA + r.int(PAGES * PAGE))) };
  // XLAT reads [rBX + AL].
  if (specs.some((s) => s.kind === 'T') && !inArena(a32 ? reg(3) & 0xffffffffn : reg(3), 256)) return { setup: movImm(3, BigInt(ARENA + r.int(PAGES * PAGE - 256))) };
  if (row.rep) {
    for (const [i, kind] of [[6, 'X'], [7, 'Y']] as const) {
      if (specs.some((s) => s.kind === kind) && !inArena(a32 ? reg(i) & 0xffffffffn : reg(i), 64)) return { setup: movImm(i, BigInt(ARENA + r.int(PAGES * PAGE))) };
    }
    if ((a32 ? reg(1) & 0xffffffffn : reg(1)) > 24n) return { setup: movImm(1, BigInt(r.int(12))) };
  }
  if (isMem) {
    const size = Math.max(1, specs.find((s) => 'EM'.includes(s.kind))?.size === 'b' ? 1 : opSize);
    let target: bigint;
    const t = r.int(100);
    if (t < 45) target = BigInt(ARENA + (1 + r.int(PAGES - 1)) * PAGE - 1 - r.int(size + 2));
    else if (t < 88) target = BigInt(ARENA + r.int(PAGES * PAGE));
    else if (t < 95 && pos.codeWritable) target = BigInt(at + 2 + r.int(24)); // code ahead: self-modifying
    else target = 0x8000000000000000n + BigInt(r.int(1 << 20)); // non-canonical: #GP / #SS
    const form = r.int(10);
    const mod3 = (mod: number, reg3: number, rm3: number): number => (mod << 6) | ((reg3 & 7) << 3) | (rm3 & 7);
    const width = a32 ? 32 : 64;
    const wrap = (v: bigint): bigint => BigInt.asIntN(width, v);
    if (form < 2 && target < 0x80000000n) { // [disp32]: SIB with no base and no index
      modrmBytes = [mod3(0, regField, 4), 0x25, ...le(target, 4)];
    } else if (form < 4 && target < 0x80000000n) { // [rip+disp32]
      modrmBytes = [mod3(0, regField, 5)];
      ripDisp = target;
    } else {
      const base = r.int(16);
      const useIndex = r.chance(0.4);
      let index = r.int(16);
      if (index === 4) index = 12;
      const scale = r.int(4);
      const bv = a32 ? reg(base) & 0xffffffffn : reg(base);
      const iv = useIndex ? (a32 ? reg(index) & 0xffffffffn : reg(index)) << BigInt(scale) : 0n;
      const disp = wrap(target - bv - iv);
      if (!fitsI32(disp)) return { setup: movImm(base, target - BigInt(r.int(256)) + (useIndex ? 0n : 0n) - (useIndex ? BigInt.asUintN(64, iv) : 0n)) };
      const mod = disp === 0n && (base & 7) !== 5 ? 0 : fitsI8(disp) ? 1 : 2;
      const dispBytes = mod === 0 ? [] : le(disp, mod === 1 ? 1 : 4);
      B = base >> 3;
      if (useIndex || (base & 7) === 4) {
        X = useIndex ? index >> 3 : 0;
        modrmBytes = [mod3(mod, regField, 4), (scale << 6) | ((useIndex ? index & 7 : 4) << 3) | (base & 7), ...dispBytes];
      } else modrmBytes = [mod3(mod, regField, base), ...dispBytes];
    }
    if (a32) pre.push(0x67);
  } else if (row.modrm !== -1) {
    if (row.fixedModrm >= 0) modrmBytes = [row.fixedModrm];
    else modrmBytes = [0xc0 | ((regField & 7) << 3) | (rm & 7)];
    B = row.fixedModrm >= 0 ? 0 : rm >> 3;
  }
  if (row.modrm !== -1 && row.fixedModrm < 0 && !isMem && rm >= 8) needRex = true;
  if (isMem && (B || X)) needRex = true;
  // Operands after ModRM: immediates, branch displacements, moffs.
  for (const s of specs) {
    if (s.kind === 'I') {
      let n = s.size === 'b' || s.size === 's' ? 1 : s.size === 'w' ? 2 : s.size === 'z' ? (opSize === 2 ? 2 : 4) : opSize;
      if (n === 0) n = 4;
      let v = value(r);
      if (op === 'int') { v = BigInt(r.int(256)); if (v === 0x80n) v = 3n; }
      else if (row.osz !== 'b' && specs.length > 1 && ['shl', 'shr', 'sar', 'rol', 'ror', 'rcl', 'rcr', 'shld', 'shrd', 'bt', 'bts', 'btr', 'btc'].includes(op)) v = BigInt(r.int(72));
      else if (op === 'ret') v = BigInt(r.int(6) * 8);
      else if (op === 'enter') v = BigInt(s.size === 'w' ? r.int(64) : r.chance(0.5) ? 0 : r.int(5));
      tail.push(...le(v, n));
    } else if (s.kind === 'J') tail.push(...le(BigInt(r.int(3) === 0 ? 0 : r.int(24)), s.size === 'b' ? 1 : 4));
    else if (s.kind === 'O') tail.push(...le(BigInt(ARENA + (1 + r.int(PAGES - 1)) * PAGE - r.int(10)), a32 ? 4 : 8));
  }
  if (specs.some((s) => s.kind === 'O' || s.kind === 'T') && a32) pre.push(0x67);
  // Prefixes: LOCK on the lockable memory forms, REP/REPNE on string instructions, FS or GS
  // (base 0 on both sides) or an ignored segment override, an empty REX that turns AH..BH into SPL..DIL.
  if (row.lock && isMem && r.chance(0.5)) pre.unshift(0xf0);
  if (row.rep && r.chance(0.6)) pre.push(r.chance(0.7) ? 0xf3 : 0xf2);
  if ((isMem || specs.some((s) => 'XOT'.includes(s.kind))) && r.chance(0.15)) pre.push(r.pick([0x64, 0x65, 0x2e, 0x36, 0x3e, 0x26]));
  if (row.prefix === 0xf2 || row.prefix === 0xf3) pre.push(row.prefix);
  const R = row.modrm === 'r' || specs.some((s) => 'SCD'.includes(s.kind)) ? regField >> 3 : 0;
  const rex = needRex || r.chance(0.15) ? 0x40 | (W ? 8 : 0) | (R << 2) | (X << 1) | (row.plusR ? zreg >> 3 : B) : 0;
  if (row.plusR && row.noRexB && (rex & 1)) return null;
  let head: number[];
  if (row.vex) {
    // VEX3 (SDM Vol. 2A §2.3.5): only 67h and segment prefixes may precede it.
    const vreg = specs.some((s) => s.kind === 'B') ? r.int(16) : 0;
    const legacy = pre.filter((b) => b === 0x67 || [0x64, 0x65, 0x2e, 0x36, 0x3e, 0x26].includes(b));
    head = [...legacy, 0xc4, ((R ? 0 : 0x80) | (X ? 0 : 0x40) | (B ? 0 : 0x20) | row.map) >>> 0,
      ((W ? 0x80 : 0) | ((~vreg & 15) << 3) | [0, 0x66, 0xf3, 0xf2].indexOf(row.prefix)) >>> 0, row.opcode];
  } else {
    const opc = [...(row.map >= 1 ? [0x0f] : []), ...(row.map >= 2 ? [row.map === 2 ? 0x38 : 0x3a] : []), row.opcode + (row.plusR ? zreg & 7 : row.plusCC ? r.int(16) : 0)];
    head = [...pre, ...(rex ? [rex] : []), ...opc];
  }
  const bytes = [...head, ...modrmBytes, ...tail];
  if (ripDisp !== null) {
    const k = head.length + 1;
    const next = BigInt(at + bytes.length + 4);
    const d = a32 ? BigInt.asIntN(32, ripDisp - next) : ripDisp - next;
    if (!fitsI32(d)) return null;
    bytes.splice(k, 0, ...le(d, 4));
  }
  return { bytes };
}

export interface GenStats { rejected: number }

/** Generates one case. */
export function generate(w: FuzzWorld, r: Rng, id: string, stats: GenStats = { rejected: 0 }): FuzzCase {
  const perms = ['x', r.pick(['x', 'x', 'x', 'e', 'w', 'n'])];
  for (let p = 2; p < PAGES; p++) perms.push(r.pick(['w', 'w', 'w', 'r', 'r', 'n', 'x']));
  const stackPage = 2 + r.int(PAGES - 2);
  if (r.chance(0.8)) perms[stackPage] = 'w';
  const pc = r.int(10);
  const codeOff = pc < 6 ? 0x100 + r.int(0x600) : pc < 8 ? PAGE - 1 - r.int(40) : 2 * PAGE - 1 - r.int(60);
  const regs = Array.from({ length: 16 }, () => value(r));
  regs[4] = BigInt(ARENA + stackPage * PAGE + 0x400 + 8 * r.int(64) + (r.chance(0.1) ? r.int(8) : 0));
  let rflags = 0x202;
  for (const f of [0x1, 0x4, 0x10, 0x40, 0x80, 0x800]) if (r.chance(0.5)) rflags |= f;
  if (r.chance(0.3)) rflags |= 0x400;
  const c: FuzzCase = { id, perms: perms.join(''), seed: r.u64(), codeOff, code: new Uint8Array(0), rflags, regs };
  const m = w.m;
  const depthCap = m.journal.capacity;
  m.journal.enable(0);
  w.load({ ...c }); // a copy: the image cache must not keep this code-less image for `c`
  m.journal.enable(depthCap);
  const layout = w.arena(); // the initial image, code written in as it is generated
  const limit = 5 + r.int(26);
  let pos = ARENA + codeOff;
  let count = 0;
  const reg = (i: number): bigint => (BigInt(m.r[2 * i + 1]) << 32n) | BigInt(m.r[2 * i]);
  const codeWritable = (): boolean => perms[Math.floor((pos - ARENA) / PAGE)] === 'x';
  gen: while (count < limit && pos < ARENA_END - 16) {
    const off = pos - ARENA;
    const live = m.readVirtual(BigInt(pos), 15) ?? m.phys.read(0x400000 + off, 15);
    const modified = live.some((b, k) => b !== layout[off + k]);
    for (let attempt = 0; attempt < 12; attempt++) {
      let bytes: number[] | null = null;
      if (!modified) {
        const row = OPCODES[r.pick(FUZZ_ROWS)];
        const e = encode(row, r, reg, pos, { codeWritable: codeWritable() });
        if (e === null) continue;
        bytes = e.setup ?? e.bytes;
        if (bytes.length > 15 || off + bytes.length > PAGES * PAGE) continue;
        m.writeVirtual(BigInt(pos), bytes);
      }
      const depth = m.journal.depth;
      const o = stepOne(w);
      let ok = o.kind !== 'internal';
      // A fault ends the sequence: take one mostly near the end, so sequences run 5-30 long.
      if (o.kind === 'fault') ok = (o.vector !== 14 || (o.cr2 >= BigInt(ARENA) && o.cr2 < BigInt(ARENA_END))) && (modified || count >= limit - 1 || attempt >= 10 || r.chance(0.08));
      const next = Number(m.getReg('rip'));
      const len = bytes?.length ?? (o.kind !== 'internal' ? o.d?.len ?? 0 : 0);
      if (o.kind === 'done') ok = next >= pos + len && next <= pos + len + 40 && next < ARENA_END - 16 && len > 0;
      if (ok && o.kind === 'done' && o.d?.ins.op === 'popf' && (o.rflags & 0x40000)) ok = false; // AC: alignment checks on the host (CR0.AM)
      // A REP string instruction that overwrites its own bytes: single-stepped, the processor
      // fetches it again after every iteration and runs what it wrote; without TF it would not.
      if (ok && o.kind !== 'internal' && o.d?.ins.prefixes.rep && len > 0) {
        const now = m.phys.read(0x400000 + off, len);
        if (now.some((x, k) => x !== (bytes ? bytes[k] : live[k]))) ok = false;
      }
      if (!ok) {
        stats.rejected++;
        while (m.journal.depth > depth) m.stepBack();
        if (bytes) m.writeVirtual(BigInt(pos), layout.subarray(off, off + bytes.length));
        if (modified) break gen;
        continue;
      }
      if (bytes) layout.set(bytes, off);
      count++;
      if (o.kind === 'fault') { pos += len || 1; break gen; }
      pos = next;
      continue gen;
    }
    break;
  }
  c.code = layout.slice(codeOff, pos - ARENA);
  if (c.code.length === 0) c.code = new Uint8Array([0x90]);
  return c;
}
