// The marks time travel lands on (see time-travel.ts): kd records one before every forward
// command. Kept apart from the reverse commands, which load with the full command set, so the
// session (and with it the breakpoint lab and the stepper) carries only this.

import type { KdSession, StopInfo } from './session.ts';

/** A recorded stop: the state at the prompt when a forward command started. */
export interface Mark {
  index: number;
  position: number;
  stop: StopInfo | null;
  kernelStop: unknown;
  trapFrame: bigint | null;
}

/** Marks kept (the oldest are dropped; they only make landings exact). */
const MAX_MARKS = 4096;

/** Records the state at the prompt before a forward command runs. */
export function recordMark(s: KdSession, marks: Mark[]): void {
  const h = s.kernel.history;
  if (!h || !h.enabled) return;
  const index = h.index;
  const m: Mark = { index, position: h.position, stop: s.lastEvent, kernelStop: h.kernelStop, trapFrame: h.trapFrame };
  while (marks.length && marks[marks.length - 1].index >= index) marks.pop(); // a new future
  marks.push(m);
  if (marks.length > MAX_MARKS) marks.splice(0, marks.length - MAX_MARKS);
}
