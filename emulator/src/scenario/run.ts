// Running a scenario: boot a kernel with the scenario's options, feed kd its commands one by one,
// and record everything a page or a test needs. The outcome is whatever kd last reported; nothing
// here decides it. Deterministic, like the session it drives.

import { DEFAULT_HISTORY, KdSession, PROMPT } from '../debugger/session.ts';
import { evaluate, ExprError } from '../debugger/expr.ts';
import type { KernelOptions, KernelView } from '../debugger/target.ts';
import { claimExpressions, checkClaim, type Claim, type ClaimResult } from './claims.ts';
import { captureState, compactEvents, hex64, type CompactEvent, type Outcome, type ScenarioOptions, type Trace } from './trace.ts';

import { EMULATOR_VERSION } from './version.ts';
import { MACHINE_OPTION_NAMES } from '../windows/options.ts';

export { EMULATOR_VERSION };

export interface Scenario {
  id: string;
  options?: ScenarioOptions;
  /** kd input lines; a leading `kd>` or `0: kd>` prompt is dropped. */
  commands: string[];
  claim?: Claim;
  /** Instruction budget of one `g` (kd's default if absent). */
  budget?: number;
}

/** How to get a kernel: the modeled Windows (index.ts), or a stand-in in tests. */
export type BootKernel = (options: KernelOptions) => KernelView;

export class ScenarioError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ScenarioError';
  }
}

/** `0: kd> g`, `kd> g` and `g` are the same command. */
export function stripPrompt(line: string): string {
  return line.replace(/^\s*(?:\d+:\s*)?kd>\s?/, '');
}

function validate(s: Scenario): void {
  if (typeof s.id !== 'string' || !/^[A-Za-z0-9][\w.-]*$/.test(s.id)) {
    throw new ScenarioError(`A scenario id is letters, digits, "-", "_" or ".", not ${JSON.stringify(s.id)}.`);
  }
  if (!Array.isArray(s.commands) || s.commands.some((c) => typeof c !== 'string')) {
    throw new ScenarioError(`Scenario "${s.id}": commands must be a list of kd input lines.`);
  }
  for (const [k, v] of Object.entries(s.options ?? {})) {
    if (!(MACHINE_OPTION_NAMES as readonly string[]).includes(k) || (v !== undefined && typeof v !== 'boolean')) {
      throw new ScenarioError(`Scenario "${s.id}": unknown machine option ${k}=${String(v)} (${MACHINE_OPTION_NAMES.join(', ')} are true or false).`);
    }
  }
}

/** A live session with a scenario's options, for widgets that continue where a trace ended. */
/** A session for a scenario's options, keeping `history` steps for time travel (t-, p-, g-,
 *  !tt; default DEFAULT_HISTORY, what a live kd prompt offers). A scenario's own run keeps it only
 *  when its commands travel back: the journal costs a run about three times its time. */
export function openSession(s: Pick<Scenario, 'options' | 'budget'>, boot: BootKernel, history = DEFAULT_HISTORY): KdSession {
  return new KdSession({ ...(s.options ?? {}), boot, history, ...(s.budget ? { budget: s.budget } : {}) });
}

/** Whether kd lines use a reverse command. */
export function travelsBack(commands: readonly string[]): boolean {
  return commands.some((line) => /(^|;)\s*(?:\d+:\s*)?(?:kd>\s*)?([tpg]-|!tt\b)/i.test(line));
}

export function outcomeOf(session: KdSession): Outcome {
  const stop = session.lastEvent;
  if (!stop) return { kind: 'none' };
  switch (stop.kind) {
    case 'break':
      return { kind: 'break', address: hex64(stop.address), at: stop.symbol, ...(stop.breakpoint !== null ? { breakpoint: stop.breakpoint } : {}) };
    case 'step':
      return { kind: 'step', address: hex64(stop.address), at: stop.symbol };
    case 'break-in':
      return { kind: 'break-in', address: hex64(stop.address), at: session.symbolize(stop.address) };
    case 'bugcheck': {
      const rip = session.machine.getReg('rip');
      return { kind: 'bugcheck', code: stop.code, args: stop.args.map(hex64), address: hex64(rip), at: session.symbolize(rip) };
    }
    default:
      return { kind: stop.kind };
  }
}

/** Evaluates kd expressions on the session's machine: hex, or kd's error text. */
export function evaluateAll(session: KdSession, expressions: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of expressions) {
    try {
      out[e] = hex64(evaluate(e, session.exprContext));
    } catch (err) {
      out[e] = err instanceof ExprError ? err.message.split('\n')[0] : `error: ${err instanceof Error ? err.message : String(err)}`;
    }
  }
  return out;
}

/** Runs an already-open session through the scenario's commands and returns the trace. */
/** What a trace records beyond the transcript. `routines`: which public routines ran (a hook on
 *  each routine's first byte takes that instruction off the CPU's fast path: a few percent on the
 *  system-call loop, 3.44 vs 3.38 M instr/s in a median of 10 interleaved runs). Only the build
 *  asks for it, to write the badges; live runs pay nothing. */
export interface TraceOptions {
  routines?: boolean;
}

export function traceSession(s: Scenario, session: KdSession, opts: TraceOptions = {}): Trace {
  const transcript: Trace['transcript'] = [];
  const stopTracking = opts.routines ? session.kernel.trackRoutines?.() : undefined;
  let routines: string[] | undefined;
  try {
    for (const raw of s.commands) {
      const command = stripPrompt(raw);
      const r = session.exec(command);
      transcript.push({ prompt: PROMPT, command, output: r.output, state: captureState(session.machine) });
      if (session.ended) break;
    }
  } finally {
    routines = stopTracking?.();
  }
  return {
    id: s.id,
    options: { ...(s.options ?? {}) },
    version: EMULATOR_VERSION,
    transcript,
    outcome: outcomeOf(session),
    events: symbolizeEvents(compactEvents(session.machine.events?.events), session),
    evaluations: s.claim ? evaluateAll(session, claimExpressions(s.claim)) : {},
    ...(routines ? { routines } : {}),
  };
}

const ADDRESS_FIELDS = ['rip', 'handler', 'target', 'returnRip'];

/** Adds kd's name for each code address of an event (`handlerSym: 'nt!KiBreakpointTrap'`). */
export function symbolizeEvents(events: CompactEvent[], session: KdSession): CompactEvent[] {
  for (const e of events) {
    for (const f of ADDRESS_FIELDS) {
      const v = e[f];
      if (typeof v !== 'string' || !/^[0-9a-f]{16}$/.test(v)) continue;
      const name = session.symbolize(BigInt('0x' + v));
      if (name) e[`${f}Sym`] = name;
    }
  }
  return events;
}

export function runScenarioWith(s: Scenario, boot: BootKernel, opts: TraceOptions = {}): Trace {
  validate(s);
  let session: KdSession;
  try {
    session = openSession(s, boot, travelsBack(s.commands) ? DEFAULT_HISTORY : 0);
  } catch (e) {
    throw new ScenarioError(`Scenario "${s.id}": the kernel did not boot: ${e instanceof Error ? e.message : String(e)}`);
  }
  return traceSession(s, session, opts);
}

/** Runs a scenario and checks its claim (if any). */
export function runAndCheck(s: Scenario, boot: BootKernel): { trace: Trace; check: ClaimResult | null } {
  const trace = runScenarioWith(s, boot);
  return { trace, check: s.claim ? checkClaim(trace, s.claim) : null };
}

/** The whole session as kd shows it (prompt, command, output), one string. */
export function transcriptText(trace: Trace): string {
  return trace.transcript.map((t) => (t.output ? `${t.prompt}${t.command}\n${t.output}` : `${t.prompt}${t.command}`)).join('\n');
}
