// Time travel in kernel mode: t-, p-, g- and !tt on the CPU's undo journal (the kernel's history,
// windows/history.ts). Going back undoes recorded steps, so every state it reaches is exactly one
// the machine was in. Only the debuggee's own steps count (the kernel's #DB/#BP path into the
// debugger report and back is skipped), so `t-` undoes one instruction of the debuggee.
//
// Where kd stopped before (a mark: the state at the prompt when a forward command started), a
// reverse command that reaches the same position lands on that stop again, in the report, so
// `t` then `t-` (or `p`/`p-`, `g`/`g-` to a breakpoint) gives back the very same machine. Elsewhere
// kd stops on the live processor, as a hardware debugger would, with the TF it set while stepping
// cleared.
//
// Output follows WinDbg's TTD transcripts (learn.microsoft.com, "Time Travel Debugging - Replay a
// trace" and the TTD walkthrough): `Breakpoint 0 hit`, `Time Travel Position: X:0`, the register
// block, the current instruction. A position is the debuggee's retired-instruction count in hex;
// the step part after the colon is always 0 here (every position is an instruction boundary).

import * as fmt from './format.ts';
import type { KdSession, RunSteps, StopInfo } from './session.ts';
import type { HistoryEntry, HistoryView } from './target.ts';
import { PlainError } from './errors.ts';
import type { Mark } from './time-travel-marks.ts';

export { recordMark, type Mark } from './time-travel-marks.ts';

const TF = 0x100n;
/** Undo steps between pauses of a long reverse run (as `SLICE` for forward runs). */
const REVERSE_SLICE = 50_000;

export function history(s: KdSession): HistoryView {
  const h = s.kernel.history;
  if (!h || !h.enabled) throw new PlainError('Time travel is off in this session: it keeps no history (the session was started with history 0).');
  return h;
}

export function positionText(position: number): string {
  return `${position.toString(16).toUpperCase()}:0`;
}

/** The mark at the current position that lies at or before the current journal index, if only
 *  the debugger's path separates them. */
function markHere(h: HistoryView, marks: Mark[]): Mark | undefined {
  const index = h.index, position = h.position;
  for (let i = marks.length - 1; i >= 0; i--) {
    const m = marks[i];
    if (m.index > index) continue;
    return m.position === position ? m : undefined;
  }
  return undefined;
}

/** Undoes back to a mark and presents its stop again. */
function landOnMark(s: KdSession, h: HistoryView, m: Mark): void {
  while (h.index > m.index && h.back()) { /* the debugger's own path, back to the stop */ }
  h.enterReport(m.kernelStop, m.trapFrame);
}

/** At a boundary that is no recorded stop: the live processor, with kd's stepping TF cleared. */
function landLive(s: KdSession, h: HistoryView): void {
  h.leaveReport();
  const f = s.machine.getReg('rflags');
  if (f & TF) s.machine.setReg('rflags', f & ~TF);
}

function overlaps(writes: Array<[number, number]>, start: bigint, size: number): boolean {
  const a = Number(BigInt.asIntN(64, start));
  return writes.some(([la, n]) => la < a + size && a < la + n);
}

/** The data breakpoint (ba w, ba r) a debuggee step's writes hit. */
function dataHit(s: KdSession, e: HistoryEntry) {
  if (e.framesBefore !== 0 || !e.retired || e.writes.length === 0) return undefined;
  return s.breakpoints.processor().find((b) => b.access !== 'e' && overlaps(e.writes, b.address!, b.size ?? 1));
}

type Found = { kind: 'step' } | { kind: 'break'; id: number } | { kind: 'start' };

/**
 * Walks back one entry at a time. `t` stops after one debuggee instruction; `g` at a software or
 * execute breakpoint (before the instruction, as forward) or a data breakpoint (after the write,
 * as forward); both stop at the window's start.
 */
function* walkBack(s: KdSession, h: HistoryView, marks: Mark[], mode: 't' | 'g'): Generator<void, Found, void> {
  let first = true;
  const byIndex = new Map(marks.map((m) => [m.index, m]));
  for (let n = 1; ; n++) {
    if (n % REVERSE_SLICE === 0) yield;
    const e = h.last();
    if (!e) return { kind: 'start' };
    if (mode === 'g' && !first) {
      const hit = dataHit(s, e);
      if (hit) return { kind: 'break', id: hit.id };
      // A stop kd made inside the report for this very hit (forward): land there instead.
      if (e.framesBefore > 0) {
        const m = byIndex.get(h.index);
        if (m && m.stop?.kind === 'break' && m.stop.breakpoint !== null && previousDebuggeeHit(s, h, m.stop.breakpoint)) {
          return { kind: 'break', id: m.stop.breakpoint };
        }
      }
    }
    h.back();
    if (e.framesBefore !== 0 || !e.retired) continue;
    first = false;
    if (mode === 't') return { kind: 'step' };
    const bp = s.breakpoints.executionAt(s.machine.getReg('rip'));
    if (bp) return { kind: 'break', id: bp.id };
  }
}

/** Whether the last debuggee step before the current debugger path hit data breakpoint `id`. */
function previousDebuggeeHit(s: KdSession, h: HistoryView, id: number): boolean {
  for (let back = 0; back < 10_000; back++) {
    const e = h.peek(back);
    if (!e) return false;
    if (e.framesBefore !== 0 || !e.retired) continue;
    return dataHit(s, e)?.id === id;
  }
  return false;
}

/** The stop line block of a reverse command, as TTD prints it. */
function present(s: KdSession, h: HistoryView, marks: Mark[], found: Found, command: string): string {
  // The journal has no future beyond this point any more (it is recorded anew from here).
  while (marks.length && marks[marks.length - 1].index > h.index) marks.pop();
  const m = markHere(h, marks);
  if (m) landOnMark(s, h, m); else landLive(s, h);
  const rip = s.machine.getReg('rip');
  const lines: string[] = [];
  let info: StopInfo;
  if (found.kind === 'break') {
    lines.push(fmt.breakpointHit(found.id));
    info = { kind: 'break', breakpoint: found.id, address: rip, symbol: s.symbolize(rip), code: 0x80000003 };
  } else {
    info = { kind: 'step', address: rip, symbol: s.symbolize(rip) };
  }
  if (found.kind === 'start') lines.push(`Time travel: start of the history window reached (it keeps the last ${h.capacity} instructions or more).`);
  lines.push(`Time Travel Position: ${positionText(h.position)}`);
  if (found.kind !== 'start') lines.push(fmt.registerBlock(s.registerFile()));
  lines.push(s.currentLocation());
  s.recordStop(m?.stop && found.kind !== 'break' ? m.stop : info, command);
  return lines.join('\n');
}

/** `t-`: back one instruction of the debuggee. */
export function* traceBack(s: KdSession, marks: Mark[]): RunSteps {
  const h = history(s);
  const found = yield* walkBack(s, h, marks, 't');
  return present(s, h, marks, found, 't-');
}

/** `p-`: back one instruction, treating a call (or a system call, or an interrupt) as one step:
 *  when the instruction stepped back over is a return into the current frame (`ret`, `iretq`,
 *  `sysretq` from a deeper frame: more privileged, or the same CPL with a lower RSP), it keeps
 *  going back until it is out of that callee again, at the call. */
export function* stepBack(s: KdSession, marks: Mark[]): RunSteps {
  const h = history(s);
  const cpl = () => s.machine.getSeg('cs').selector & 3;
  const startCpl = cpl();
  const startRsp = s.machine.getReg('rsp');
  const deeper = () => { const c = cpl(); return c < startCpl || (c === startCpl && s.machine.getReg('rsp') < startRsp); };
  const settle = () => { const m = markHere(h, marks); if (m) landOnMark(s, h, m); else h.leaveReport(); };
  let found = yield* walkBack(s, h, marks, 't');
  if (found.kind !== 'start') {
    settle();
    const d = s.disassemble(s.machine.getReg('rip'));
    if (deeper() && d.ins && /^(ret|iretq|sysretq)$/.test(d.ins.mnemonic)) {
      while (found.kind !== 'start' && deeper()) {
        found = yield* walkBack(s, h, marks, 't');
        if (found.kind !== 'start') settle();
      }
    }
  }
  return present(s, h, marks, found, 'p-');
}

/** `g-`: back until a breakpoint or the start of the history window. */
export function* goBack(s: KdSession, marks: Mark[]): RunSteps {
  const h = history(s);
  const found = yield* walkBack(s, h, marks, 'g');
  return present(s, h, marks, found, 'g-');
}

/** `!tt`: where the target is; `!tt N` (0-100, decimal) a percentage of the window; `!tt X:Y`
 *  (hex) a position. Backwards exactly; forwards by running again, unobserved. */
export function* travel(s: KdSession, marks: Mark[], args: string, furthest: number): RunSteps {
  const h = history(s);
  const a = args.trim();
  if (a === '') {
    return [
      `Time Travel Position: ${positionText(h.position)}`,
      `History window: positions ${positionText(oldestPosition(h))} to ${positionText(Math.max(furthest, h.position))}, at least ${h.capacity} instructions kept, ${(h.bytes / 1048576).toFixed(1)} MB in use.`,
    ].join('\n');
  }
  let target: number;
  const pos = /^([0-9a-f]+):([0-9a-f]*)$/i.exec(a);
  if (pos) {
    if (pos[2] !== '' && Number.parseInt(pos[2], 16) !== 0) throw new PlainError(`Position ${a}: this kd's positions have no step part (each one is an instruction boundary); use ${pos[1]}:0.`);
    target = Number.parseInt(pos[1], 16);
  } else if (/^\d+$/.test(a) && Number(a) <= 100) {
    const start = oldestPosition(h), end = Math.max(furthest, h.position);
    target = start + Math.round(((end - start) * Number(a)) / 100);
  } else {
    throw new PlainError(`Invalid position '${a}': expected a percentage 0-100 or a position X:0 (hex).`);
  }
  const lines: string[] = [`Setting position: ${positionText(target)}`];
  if (target < h.position) {
    let n = 0;
    while (h.position > target) {
      if (++n % REVERSE_SLICE === 0) yield;
      if (!h.back()) { lines.push(`Time travel: start of the history window reached (it keeps the last ${h.capacity} instructions or more).`); break; }
    }
  } else if (target > h.position) {
    const stop = h.runTo(target, Math.max(0, (target - h.position) * 4 + 1_000_000));
    if (stop) return lines.concat(s.report(stop as never, 't')).join('\n');
  }
  lines.push(present(s, h, marks, { kind: 'step' }, '!tt'));
  return lines.join('\n');
}

function oldestPosition(h: HistoryView): number { return h.startPosition; }
