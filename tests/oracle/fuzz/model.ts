// The model side of the differential fuzzer: runs a case on `Machine` instruction by instruction
// and reports what the native runner reports (state after each instruction; the end: reached,
// fault with vector, error code and CR2, or budget; the arena bytes that changed).

import type { Decoded } from '../../../emulator/src/cpu/index.ts';
import { FuzzWorld, ARENA, GPRS, MAX_RECORDS, TF, memDiff, initialImage, type FuzzCase } from './arena.ts';
import { undefinedFor, type Undefined } from './undefined.ts';

export interface Rec {
  rip: bigint;
  rflags: number;
  regs: bigint[];
}
export interface Step extends Rec {
  /** Set on the model side: the instruction and what it leaves undefined. */
  row?: number;
  op?: string;
  len?: number;
  undef?: Undefined;
}
export interface RunResult {
  steps: Step[];
  end: {
    kind: 'E' | 'F' | 'B' | 'C'; vector: number; err: number; cr2: bigint; state: Rec; undef?: Undefined;
    /** Model side: the #UD came from bytes outside the opcode table (their first bytes, hex). */
    unmodeled?: string;
    /** Model side: the faulting instruction's op key. */
    op?: string;
  };
  mem: string;
}

const HAS_ERR = new Set([8, 10, 11, 12, 13, 14, 17, 21]);
export const hasErrorCode = (v: number): boolean => HAS_ERR.has(v);

function regsOf(w: FuzzWorld): bigint[] {
  const r = w.m.r, out: bigint[] = [];
  for (let i = 0; i < 16; i++) out.push((BigInt(r[2 * i + 1]) << 32n) | BigInt(r[2 * i]));
  return out;
}
function recOf(w: FuzzWorld): Rec {
  return { rip: w.m.getReg('rip'), rflags: w.m.rflags >>> 0, regs: regsOf(w) };
}

export type StepOutcome =
  | { kind: 'done'; d: Decoded | null; undef: Undefined | undefined; rflags: number }
  | { kind: 'fault'; vector: number; err: number; cr2: bigint; state: Rec; d: Decoded | null; undef: Undefined | undefined }
  | { kind: 'internal'; message: string };

/** Executes one instruction (every iteration of a REP string instruction). Used by the runner
 *  below and by the generator. */
export function stepOne(w: FuzzWorld): StepOutcome {
  const m = w.m;
  let d: Decoded | null = null;
  let undef: Undefined | undefined;
  try {
    d = m.fetch();
    undef = undefinedFor(m, d);
  } catch { /* a fetch fault: step() reports it */ }
  const start = m.rip;
  const total = m.events.total;
  // A REP string instruction that stores over its own bytes: single-stepped, the processor
  // fetches it again after each iteration and runs what it stored (the model, like the processor
  // without TF, does not). Such runs are not compared (see compare.ts).
  const own = d !== null && d.ins.prefixes.rep !== null ? m.readVirtual(BigInt(start), d.len) : null;
  for (let guard = 0; ; guard++) {
    const stop = m.step();
    if (m.cpl === 0) {
      // A software interrupt through a DPL-3 gate (INT3, INT 4): read the frame it pushed
      // (SDM Vol. 3A §6.14.2) for the state the handler sees.
      const ev = m.events.since(total).find((e) => e.kind === 'exception-delivered') as { vector: number } | undefined;
      const f = m.readVirtual(m.getReg('rsp'), 40);
      // CPL 0 without a delivery (SYSCALL drawn from random bytes: the host's system call) or an
      // unreadable frame: end here; compare.ts compares up to a host-dependent instruction.
      if (!ev || !f) return { kind: 'fault', vector: -1, err: 0, cr2: 0n, d, undef, state: { rip: BigInt(start), rflags: m.rflags >>> 0, regs: regsOf(w) } };
      const dv = new DataView(f.buffer);
      const regs = regsOf(w);
      regs[4] = dv.getBigUint64(24, true);
      return { kind: 'fault', vector: ev?.vector ?? -1, err: 0, cr2: m.getCr(2), d, undef, state: { rip: dv.getBigUint64(0, true), rflags: Number(dv.getBigUint64(16, true)), regs } };
    }
    if (stop === null || (stop.kind === 'exception' && stop.vector === 1)) {
      if (m.rip === start && d !== null && d.ins.prefixes.rep !== null && guard < 100000) { m.rflags |= TF; continue; }
      if (own && selfOverwritten(w, start, own)) return { kind: 'internal', message: 'rep-self-overwrite' };
      const rflags = m.rflags >>> 0; // as the instruction left them (POPF may clear TF)
      m.rflags = (m.rflags | TF) >>> 0;
      return { kind: 'done', d, undef, rflags };
    }
    if (stop.kind === 'exception') {
      if (own && selfOverwritten(w, start, own)) return { kind: 'internal', message: 'rep-self-overwrite' };
      return { kind: 'fault', vector: stop.vector, err: stop.errorCode ?? 0, cr2: m.getCr(2), d, undef, state: recOf(w) };
    }
    return { kind: 'internal', message: JSON.stringify(stop, (_, x) => (typeof x === 'bigint' ? x.toString(16) : x)) };
  }
}

function selfOverwritten(w: FuzzWorld, start: number, own: Uint8Array): boolean {
  const now = w.m.readVirtual(BigInt(start), own.length);
  return now !== null && now.some((b, k) => b !== own[k]);
}

/** Runs a whole case on the world's machine. With the host's run, what an instruction leaves
 *  undefined (flags, a destination) is taken from the host after the step is recorded, so later
 *  instructions start from the same state on both sides. */
export function runModel(w: FuzzWorld, c: FuzzCase, rows?: Set<number>, host?: RunResult): RunResult {
  const image = initialImage(c);
  w.load(c, image);
  const endRip = BigInt(ARENA + c.codeOff + c.code.length);
  const steps: Step[] = [];
  let end: RunResult['end'] | null = null;
  while (end === null) {
    const o = stepOne(w);
    if (o.kind === 'internal') {
      end = { kind: 'C', vector: o.message === 'rep-self-overwrite' ? -2 : -1, err: 0, cr2: 0n, state: recOf(w) };
      break;
    }
    if (o.d && rows) rows.add(o.d.ins.row);
    if (o.kind === 'fault') {
      end = { kind: 'F', vector: o.vector, err: o.err, cr2: o.cr2, state: o.state, undef: o.undef, op: o.d?.ins.op };
      const reason = (o.d?.ins as { reason?: string } | undefined)?.reason ?? '';
      if (o.vector === 6 && o.d && reason.startsWith('unsupported')) {
        const off = Number(o.state.rip) - ARENA;
        end.unmodeled = [...initialImage(c).slice(off, off + 3)].map((b) => b.toString(16).padStart(2, '0')).join(' ') + ` (${reason})`;
      }
      break;
    }
    const r: Step = recOf(w);
    r.rflags = o.rflags;
    r.row = o.d?.ins.row; r.op = o.d?.ins.op; r.len = o.d?.len; r.undef = o.undef;
    steps.push(r);
    const h = host?.steps[steps.length - 1];
    if (h && o.undef && (o.undef.flags || o.undef.reg >= 0)) {
      const m = w.m;
      m.rflags = ((m.rflags & ~o.undef.flags) | (h.rflags & o.undef.flags)) >>> 0;
      if (o.undef.reg >= 0) m.setReg(GPRS[o.undef.reg], h.regs[o.undef.reg]);
    }
    if (r.rip === endRip) end = { kind: 'E', vector: 1, err: 0, cr2: 0n, state: r };
    else if (steps.length >= MAX_RECORDS || steps.length === c.limit) end = { kind: 'B', vector: 1, err: 0, cr2: 0n, state: r };
  }
  return { steps, end, mem: memDiff(image, w.arena()) };
}
