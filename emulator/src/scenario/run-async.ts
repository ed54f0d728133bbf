// `traceSession` for a page's main thread: the same commands through kd's `execAsync`, which
// pauses between 50,000-instruction slices of a run, so a run to the instruction budget never
// blocks the page for long. Same slices as `exec`, so the trace equals `traceSession`'s.

import type { KdSession, ExecAsyncOptions } from '../debugger/session.ts';
import { PROMPT } from '../debugger/session.ts';
import { claimExpressions } from './claims.ts';
import { evaluateAll, outcomeOf, stripPrompt, symbolizeEvents, type Scenario } from './run.ts';
import { captureState, compactEvents, type Trace } from './trace.ts';
import { EMULATOR_VERSION } from './version.ts';

export async function traceSessionAsync(s: Scenario, session: KdSession, options: ExecAsyncOptions): Promise<Trace> {
  const transcript: Trace['transcript'] = [];
  for (const raw of s.commands) {
    const command = stripPrompt(raw);
    const r = await session.execAsync(command, options);
    transcript.push({ prompt: PROMPT, command, output: r.output, state: captureState(session.machine) });
    if (session.ended) break;
  }
  return {
    id: s.id,
    options: { ...(s.options ?? {}) },
    version: EMULATOR_VERSION,
    transcript,
    outcome: outcomeOf(session),
    events: symbolizeEvents(compactEvents(session.machine.events?.events), session),
    evaluations: s.claim ? evaluateAll(session, claimExpressions(s.claim)) : {},
  };
}
