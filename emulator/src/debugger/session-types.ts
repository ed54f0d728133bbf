// The shapes a kd session speaks in: the stops it reports (StopInfo), its event log, a running
// command (RunSteps), what exec/execAsync return, and the options a session takes.

import type { KernelOptions, KernelView } from './target.ts';

export type StopInfo =
  | { kind: 'break'; breakpoint: number | null; address: bigint; symbol?: string; code: number }
  | { kind: 'step'; address: bigint; symbol?: string }
  | { kind: 'bugcheck'; code: number; args: bigint[] }
  | { kind: 'triple-fault' }
  | { kind: 'budget'; instructions: number }
  | { kind: 'break-in'; address: bigint }
  | { kind: 'exited'; status?: number };

/** One entry of the session's event log: what kd reported, in order, with the command that led
 *  to it. */
export type SessionEvent = StopInfo & { command: string };

/** A command in progress: yields (no value) between slices of the target's execution, returns
 *  kd's output. `exec` drives it to the end at once; `execAsync` awaits the caller between yields. */
export type RunSteps = Generator<void, string, void>;

export interface ExecAsyncOptions {
  /** Awaited between slices of a run, so that a page can paint and take input meanwhile. */
  yield: () => Promise<void>;
  /** Polled between slices; true breaks into the target, as Ctrl+C / Ctrl+Break does. */
  shouldStop?: () => boolean;
  /** 'core': the line needs only the core families (breakpoints, execution), so the rest of the
   *  command set is not loaded for it (the breakpoint lab's `bp`/`bc`/`g`); a line the core does
   *  not cover loads it anyway. Default 'full': a kd console loads every family on its first
   *  command. */
  commandSet?: 'core' | 'full';
}

export interface ExecResult {
  output: string;
  prompt: string;
  stop?: StopInfo;
  /** The line ran `.cls`: a console clears its screen before showing this output. */
  cleared?: boolean;
}

export interface KdSessionOptions extends KernelOptions {
  /** A kernel to attach to instead of booting one. */
  kernel?: KernelView;
  /** How to boot a kernel (used at start and by `.reboot`). */
  boot?: (options: KernelOptions) => KernelView;
  /** Instruction budget of one `g`. */
  budget?: number;
  /** Polled between slices of a running `g`; true means the user pressed Ctrl+C. */
  interruptRequested?: () => boolean;
  /** Steps of history kept for time travel (t-, p-, g-, !tt). Default 0: off, and the target
   *  runs about three times faster; `npx kd` and the kd widget ask for DEFAULT_HISTORY. */
  history?: number;
}
