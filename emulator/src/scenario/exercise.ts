// Exercises as data: a goal in one sentence, hints, a stored solution (kd lines) and a check, a
// predicate over the session (the machine's state through kd expressions, the last event's kind,
// the commands typed) evaluated by the emulator after every command, never by comparing text.
// Each exercise also carries a plausible wrong attempt, which its check must refuse: the build
// (src/lib/exercises.ts) and the tests run both.

import type { KdSession } from '../debugger/session.ts';
import { splitCommands } from '../debugger/session.ts';
import { MACHINE_OPTION_NAMES } from '../windows/options.ts';
import { claimExpressions, checkClaim, parseClaim, type Claim } from './claims.ts';
import { evaluateAll, openSession, outcomeOf, stripPrompt, type BootKernel } from './run.ts';
import type { OutcomeKind, ScenarioOptions, Trace } from './trace.ts';
import { EMULATOR_VERSION } from './version.ts';

export interface ExerciseCheck {
  /** A claim in its written form (claims.ts): kd expressions on the machine, and/or an outcome. */
  state?: string;
  /** The last event kd reported is one of these kinds (e.g. bugcheck or triple-fault). */
  lastEvent?: OutcomeKind[];
  /** Commands (by name: `bp`, `r`, `!pcr`) that must have been typed at some point. */
  used?: string[];
  /** Commands that must never have been typed. */
  notUsed?: string[];
  /** The command just typed is one of these (to "show" something once the machine is there). */
  shownWith?: string[];
}

export interface Exercise {
  /** Unique in its chapter; the page's widget id and the progress key are `<chapter>.<id>`. */
  id: string;
  goal: string;
  hints: string[];
  /** kd lines that solve it, run one by one. */
  solution: string[];
  check: ExerciseCheck;
  /** A plausible attempt that must not count, and why it falls short (for the tests). */
  wrong: { commands: string[]; why: string };
  options?: ScenarioOptions;
}

export interface ExerciseVerdict {
  solved: boolean;
  /** Each condition not met yet, in words a reader can act on. */
  unmet: string[];
}

export class ExerciseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ExerciseError';
  }
}

/** `bp`, `r`, `!pcr`, `.bugcheck`: a command's name as typed, lower case (`bp1` is `bp`). */
export function commandName(command: string): string {
  const m = /^\s*([.!]?[a-z]+)/i.exec(stripPrompt(command));
  if (!m) return stripPrompt(command).trim().split(/\s+/)[0] ?? '';
  const name = m[1].toLowerCase();
  return /^(bp|bu|bm|ba|bc|bd|be)\d*$/.test(name) ? name.replace(/\d+$/, '') : name;
}

/** The names of the commands in one input line (`bp x; g` is `bp` and `g`). */
export function commandNames(line: string): string[] {
  return splitCommands(stripPrompt(line)).map((c) => commandName(c.text)).filter((n) => n !== '');
}

/** Follows one exercise over a live session: feed it each line after kd ran it. */
export class ExerciseTracker {
  readonly exercise: Exercise;
  private readonly claim: Claim | null;
  private readonly typed = new Set<string>();
  private last: string[] = [];

  constructor(exercise: Exercise) {
    this.exercise = exercise;
    this.claim = exercise.check.state ? parseClaim(exercise.check.state) : null;
  }

  /** Call after kd has run `line` on `session`; returns whether the goal holds now. */
  afterCommand(session: KdSession, line: string): ExerciseVerdict {
    this.last = commandNames(line);
    for (const n of this.last) this.typed.add(n);
    return this.verdict(session);
  }

  verdict(session: KdSession): ExerciseVerdict {
    const c = this.exercise.check;
    const unmet: string[] = [];
    const outcome = outcomeOf(session);
    if (this.claim) {
      const trace: Trace = {
        id: this.exercise.id,
        options: {},
        version: EMULATOR_VERSION,
        transcript: [],
        outcome,
        events: [],
        evaluations: evaluateAll(session, claimExpressions(this.claim)),
      };
      const r = checkClaim(trace, this.claim);
      if (!r.ok) unmet.push(`the machine is not there yet (${c.state})`);
    }
    if (c.lastEvent && !c.lastEvent.includes(outcome.kind)) unmet.push(`kd's last event is ${outcome.kind}, not ${c.lastEvent.join(' or ')}`);
    for (const u of c.used ?? []) if (!this.typed.has(u)) unmet.push(`use ${u}`);
    for (const n of c.notUsed ?? []) if (this.typed.has(n)) unmet.push(`${n} was used in this session, and this goal forbids it (reload the page for a fresh one)`);
    if (c.shownWith && !this.last.some((n) => c.shownWith!.includes(n))) unmet.push(`show it with ${c.shownWith.join(', ')}`);
    return { solved: unmet.length === 0, unmet };
  }
}

/** Runs kd lines on a fresh session, checking after each; solved if the goal held after any. */
export function attempt(exercise: Exercise, commands: string[], boot: BootKernel): { solvedAfter: number | null; last: ExerciseVerdict } {
  const session = openSession({ options: exercise.options }, boot);
  const tracker = new ExerciseTracker(exercise);
  let last: ExerciseVerdict = tracker.verdict(session);
  for (const [i, line] of commands.entries()) {
    session.exec(stripPrompt(line));
    last = tracker.afterCommand(session, line);
    if (last.solved) return { solvedAfter: i, last };
    if (session.ended) break;
  }
  return { solvedAfter: null, last };
}

const NAME = /^[a-z0-9][a-z0-9-]{0,47}$/;

/** Checks an exercise's data, then that its solution solves it and its wrong attempt does not. */
export function validateExercise(where: string, e: Exercise, boot: BootKernel): void {
  const fail = (why: string) => { throw new ExerciseError(`${where}: exercise "${e?.id}": ${why}`); };
  if (typeof e?.id !== 'string' || !NAME.test(e.id)) fail('the id is lower-case letters, digits and "-"');
  if (typeof e.goal !== 'string' || e.goal.trim() === '' || /\.\s+\S/.test(e.goal.trim().replace(/\b(?:nt|ntdll)!\S+/g, ''))) fail('the goal is one sentence');
  if (!Array.isArray(e.hints) || e.hints.length < 1 || e.hints.length > 2 || e.hints.some((h) => typeof h !== 'string' || h.trim() === '')) fail('give one or two hints');
  if (!Array.isArray(e.solution) || e.solution.length === 0 || e.solution.some((l) => typeof l !== 'string')) fail('the solution is a list of kd lines');
  if (!e.wrong || !Array.isArray(e.wrong.commands) || e.wrong.commands.length === 0 || typeof e.wrong.why !== 'string') fail('give a plausible wrong attempt { commands, why }');
  const c = e.check ?? {};
  const known = ['state', 'lastEvent', 'used', 'notUsed', 'shownWith'];
  for (const k of Object.keys(c)) if (!known.includes(k)) fail(`the check has an unknown condition "${k}" (${known.join(', ')})`);
  if (!c.state && !c.lastEvent) fail('the check says nothing about the machine: give a state or lastEvent');
  if (c.state) {
    try {
      parseClaim(c.state);
    } catch (err) {
      fail(err instanceof Error ? err.message : String(err));
    }
  }
  for (const [k, v] of Object.entries(e.options ?? {})) {
    if (!(MACHINE_OPTION_NAMES as readonly string[]).includes(k) || typeof v !== 'boolean') fail(`unknown machine option ${k}`);
  }
  const solved = attempt(e, e.solution, boot);
  if (solved.solvedAfter === null) fail(`the stored solution does not solve it: ${solved.last.unmet.join('; ')}`);
  const wrong = attempt(e, e.wrong.commands, boot);
  if (wrong.solvedAfter !== null) fail(`the wrong attempt (${e.wrong.commands.join('; ')}) is accepted: the check cannot tell it from a solution`);
}
