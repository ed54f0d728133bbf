// Scenarios as data: machine options + kd commands + claim -> a computed trace. `runScenario`
// boots the modeled Windows kernel; `runScenarioWith` takes any kernel (tests use stand-ins).

import { bootWindows } from '../windows/index.ts';
import { pickMachineOptions } from '../windows/options.ts';
import { runScenarioWith, type BootKernel, type Scenario } from './run.ts';
import type { Trace } from './trace.ts';

export * from './trace.ts';
export * from './claims.ts';
export * from './run.ts';

/** The modeled kernel as kd's contract (`KernelView`) sees it. */
export const bootModeledWindows: BootKernel = (o) => bootWindows(pickMachineOptions(o));

/** Runs a scenario on the modeled Windows kernel. */
export function runScenario(s: Scenario): Trace {
  return runScenarioWith(s, bootModeledWindows);
}
