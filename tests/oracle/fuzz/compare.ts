// Compares the host's run of a case with the model's, after every instruction: RIP, the sixteen
// registers, RFLAGS without the flags the instruction leaves undefined (those are counted apart),
// the end (reached, or the fault's vector, error code, CR2 and the state at the fault) and the
// arena bytes that changed. RF is not compared at a fault: the processor sets it in the fault
// frame (SDM Vol. 3A §18.3.1.1), the model reports the state before the instruction.

import { ARENA, ARENA_END, GPRS, RF } from './arena.ts';
import { hasErrorCode, type Rec, type RunResult } from './model.ts';
import { HOST_DEPENDENT } from './generator.ts';

export interface Stats {
  undefinedFlagDiffs: number; undefinedFlagChecks: number;
  /** Bytes outside the opcode table that the model answers with #UD and the host executes
   *  (reached through self-modifying code or random bytes): counted by their first bytes. */
  unmodeled: Map<string, number>;
  /** Cases kept out of the comparison where the host and the SDM differ. */
  sdmOverHost: number;
  /** #PF outside the arena: what is mapped there is the host OS's (Linux reports P=1 for every
   *  user access to a kernel address), not the model's, so P is not compared there. */
  outsideArena: number;
  /** REP string instructions that stored over their own bytes (model.ts): not compared. */
  repSelfOverwrite: number;
  /** Runs that reached a host-dependent instruction (RDTSC, MOV Sreg, CPUID...) through random
   *  bytes: compared up to it. */
  hostDependent: number;
  /** Invalid encodings running past a page end into a not-present page: the processor's length
   *  decoder fetched on (#PF), the model decided #UD from the bytes it had. */
  invalidAtPageEnd: number;
  /** Branches to themselves, which the host's single-stepper cannot tell from a REP iteration. */
  selfBranch: number;
}

const BRANCHES = new Set(['jmp', 'jcc', 'loop', 'jrcxz', 'call']);
export interface Mismatch {
  /** Index of the instruction (in execution order) where the runs part; -1: at the end. */
  step: number;
  what: string;
}

const hx = (v: bigint | number): string => v.toString(16);

function diffRec(h: Rec, m: Rec, flagMask: number, skipReg: number): string | null {
  const out: string[] = [];
  if (h.rip !== m.rip) out.push(`rip host ${hx(h.rip)} model ${hx(m.rip)}`);
  for (let i = 0; i < 16; i++) if (i !== skipReg && h.regs[i] !== m.regs[i]) out.push(`${GPRS[i]} host ${hx(h.regs[i])} model ${hx(m.regs[i])}`);
  if (((h.rflags ^ m.rflags) & flagMask) !== 0) out.push(`rflags host ${hx(h.rflags & flagMask)} model ${hx(m.rflags & flagMask)} (compared bits ${hx(flagMask)})`);
  return out.length ? out.join(', ') : null;
}

export function compareRuns(host: RunResult, model: RunResult, stats: Stats): Mismatch | null {
  const cut = model.steps.findIndex((s) => s.op !== undefined && HOST_DEPENDENT.has(s.op));
  // INT 80h is Linux's 32-bit system call on the host (never generated): host-dependent too.
  const endsHostDependent = (model.end.op !== undefined && HOST_DEPENDENT.has(model.end.op)) || (model.end.kind === 'F' && model.end.vector === 0x80);
  const stop = cut >= 0 ? cut : endsHostDependent ? model.steps.length : -1;
  if (stop >= 0 && host.steps.length >= stop) {
    for (let i = 0; i < stop; i++) {
      const u = model.steps[i].undef;
      const d = diffRec(host.steps[i], model.steps[i], ~((u?.flags ?? 0) | RF) >>> 0, u?.reg ?? -1);
      if (d) return { step: i, what: `after ${model.steps[i].op}: ${d}` };
    }
    stats.hostDependent++;
    return null;
  }
  const n = Math.min(host.steps.length, model.steps.length);
  for (let i = 0; i < n; i++) {
    const h = host.steps[i], m = model.steps[i];
    const u = m.undef;
    const undef = u?.flags ?? 0;
    if (undef) {
      stats.undefinedFlagChecks++;
      if ((h.rflags ^ m.rflags) & undef) stats.undefinedFlagDiffs++;
    }
    const d = diffRec(h, m, ~(undef | RF) >>> 0, u?.reg ?? -1);
    if (d) return { step: i, what: `after ${m.op}: ${d}` };
  }
  const me0 = model.end;
  if (me0.kind === 'C' && me0.vector === -2) { stats.repSelfOverwrite++; return null; }
  // Bytes outside the table are compared only where the host, too, raises #UD on them (at the same
  // RIP: under UMIP, Linux answers SLDT/SMSW itself and reports #UD past the instruction).
  const hostUdHere = host.end.kind === 'F' && host.end.vector === 6 && host.steps.length === n && host.end.state.rip === me0.state.rip;
  if (me0.kind === 'F' && me0.unmodeled && n === model.steps.length && !hostUdHere) {
    stats.unmodeled.set(me0.unmodeled, (stats.unmodeled.get(me0.unmodeled) ?? 0) + 1);
    return null;
  }
  // A branch to itself: the runner tells instructions apart by a change of RIP (a REP string
  // instruction keeps RIP between iterations), so on the host it never ends and runs out of steps.
  if (host.end.kind === 'B' && host.steps.length === n && model.steps.length > n && BRANCHES.has(model.steps[n].op ?? '')) { stats.selfBranch++; return null; }
  if (host.steps.length !== model.steps.length) {
    const i = n;
    const he = host.steps.length > n ? `completed an instruction (rip ${hx(host.steps[n].rip)})` : endText(host);
    const me = model.steps.length > n ? `completed an instruction (rip ${hx(model.steps[n].rip)})` : endText(model);
    return { step: i, what: `host ${he}; model ${me}` };
  }
  const he = host.end, me = model.end;
  // An encoding the model answers with #UD that runs past the page end into a not-present page:
  // the processor's length decoder fetched the rest first (a code #PF ranks above #UD, SDM Vol. 3A
  // §6.9 Table 6-2), but how long an invalid encoding is, is the processor's choice. Kept out.
  if (he.kind === 'F' && me.kind === 'F' && he.vector === 14 && me.vector === 6 && (he.err & 0x10) !== 0 &&
      (he.cr2 & 0xfffn) === 0n && he.cr2 > me.state.rip && he.cr2 - me.state.rip <= 15n) { stats.invalidAtPageEnd++; return null; }
  if (he.kind === 'C' || me.kind === 'C') return he.kind === me.kind ? null : { step: n, what: `host ${endText(host)}; model ${endText(model)}` };
  if (he.kind !== me.kind) return { step: n, what: `host ${endText(host)}; model ${endText(model)}` };
  if (he.kind === 'F') {
    // The same CALL with the return address's push faulting: the processor reports that #PF, the
    // model (SDM order: target check first) the #GP. Kept out like the case below.
    if (callTargetFirst(host, model)) { stats.sdmOverHost++; return null; }
    if (he.vector !== me.vector) return { step: n, what: `host ${endText(host)}; model ${endText(model)}` };
    let errMask = -1;
    if (he.vector === 14 && (he.cr2 < BigInt(ARENA) || he.cr2 >= BigInt(ARENA_END))) { stats.outsideArena++; errMask = ~1; }
    if (hasErrorCode(he.vector) && (he.err & errMask) !== (me.err & errMask)) return { step: n, what: `error code: host ${hx(he.err)} model ${hx(me.err)} (vector ${he.vector})` };
    // IRETQ reading its frame from a not-present page: the SDM pops RIP, CS, RFLAGS, RSP, SS in
    // that order (Vol. 2A IRET), and the model faults on the first; the processor reads the frame
    // in another order, so the first missing byte it names is another slot of the same frame.
    if (he.vector === 14 && me.op === 'iret' && he.cr2 !== me.cr2 && inIretFrame(he.cr2, me) && inIretFrame(me.cr2, me)) { stats.sdmOverHost++; return null; }
    if (he.vector === 14 && he.cr2 !== me.cr2) return { step: n, what: `CR2: host ${hx(he.cr2)} model ${hx(me.cr2)}` };
    // A REP CMPS/SCAS suspended by a fault: the SDM keeps RCX/RSI/RDI for the resume but says
    // nothing of the status flags, which the resumed instruction recomputes; the host leaves them as
    // they were before the instruction, the model as the last iteration set them. Not compared.
    const statusAtFault = me.op === 'scas' || me.op === 'cmps' ? 0x8d5 : 0;
    const d = diffRec(he.state, me.state, ~(RF | statusAtFault) >>> 0, -1);
    if (d) return { step: n, what: `state at the fault (vector ${he.vector}): ${d}` };
  }
  const lastUndefMem = model.steps.length > 0 && model.steps[model.steps.length - 1].undef?.mem;
  // A near CALL to a non-canonical target: the SDM's pseudo-code checks the target before
  // Push(RIP) (SDM Vol. 2A CALL, 64-bit mode), and the model follows it; Intel processors store the
  // return address below RSP before raising #GP (RSP is not changed). Memory below RSP is left out.
  if (me.kind === 'F' && me.vector === 13 && me.op === 'call' && host.mem !== model.mem) {
    const below = Number(me.state.regs[4]) - 8 - ARENA;
    const strip = (s: string): string => [...bytesOf(s)].filter(([o]) => o < below || o >= below + 8).join(' ');
    if (strip(host.mem) === strip(model.mem)) { stats.sdmOverHost++; return null; }
  }
  if (host.mem !== model.mem && !lastUndefMem) return { step: -1, what: `memory: host [${host.mem}] model [${model.mem}]` };
  return null;
}

/** Whether a faulting address lies in the 5-slot frame IRETQ pops from the model's RSP. */
function inIretFrame(cr2: bigint, me: RunResult['end']): boolean {
  const rsp = me.state.regs[4];
  return cr2 >= rsp && cr2 < rsp + 40n;
}

export function endText(r: RunResult): string {
  const e = r.end;
  switch (e.kind) {
    case 'E': return 'reached the end';
    case 'B': return 'ran out of budget';
    case 'C': return 'crashed the runner';
    default: return `fault vector ${e.vector} error ${hx(e.err)}${e.vector === 14 ? ` cr2 ${hx(e.cr2)}` : ''} at rip ${hx(e.state.rip)}`;
  }
}

function callTargetFirst(host: RunResult, model: RunResult): boolean {
  const he = host.end, me = model.end;
  if (me.kind !== 'F' || me.vector !== 13 || me.op !== 'call') return false;
  const rsp = me.state.regs[4];
  // The push faulting first: #PF on the return address's slot, or #SS(0) for a non-canonical RSP.
  if (he.vector === 12) { const a = BigInt.asIntN(64, rsp - 8n); return a >= 1n << 47n || a < -(1n << 47n); }
  if (he.vector !== 14) return false;
  // CR2 is unsigned: with RSP = 0 the slot is FFFFFFFF`FFFFFFF8.
  const slot = BigInt.asUintN(64, rsp - 8n);
  return he.cr2 >= slot && he.cr2 < slot + 8n;
}

/** A memory difference (`off:bytes ...`) as offset -> byte. */
function bytesOf(diff: string): Map<number, number> {
  const out = new Map<number, number>();
  for (const p of diff.split(' ')) {
    if (!p) continue;
    const [o, h] = p.split(':');
    const base = Number.parseInt(o, 16);
    for (let i = 0; i < h.length; i += 2) out.set(base + i / 2, Number.parseInt(h.slice(i, i + 2), 16));
  }
  return out;
}
