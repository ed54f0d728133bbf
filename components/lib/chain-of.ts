// A causal chain computed when the page is built: the commands run on the modeled kernel and the
// CPU's events of that run (from the last `syscall` on, as every widget shows them) are handed to
// EventChain, with the model's assumed routines so the chain marks the steps that pass through
// one. Runs only on the server (imported by chapters, never by a hydrated widget).
import { runScenario } from '../../emulator/src/scenario/index.ts';
import type { ScenarioOptions } from '../../emulator/src/scenario/trace.ts';
import { ROUTINE_STATUS } from '../../emulator/src/windows/provenance/routine-status.ts';

export function chainOf(commands: string[], options: ScenarioOptions = {}, budget?: number) {
  const trace = runScenario({ id: 'chain', options, commands, ...(budget ? { budget } : {}) });
  const assumed: Record<string, string> = Object.fromEntries(
    Object.entries(ROUTINE_STATUS).filter(([, [status]]) => status === 'assumption').map(([name, [, summary]]) => [name, summary]),
  );
  return { events: trace.events, assumed, outcome: trace.outcome.kind };
}
