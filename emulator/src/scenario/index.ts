// Scenarios as data: machine options + kd commands + claim -> a computed trace. `runScenario`
// boots the modeled Windows kernel; `runScenarioWith` takes any kernel (tests use stand-ins).

import { bootWindows } from '../windows/index.ts';
import { runScenarioWith, type BootKernel, type Scenario } from './run.ts';
import type { Trace } from './trace.ts';

export * from './trace.ts';
export * from './claims.ts';
export * from './run.ts';

/** The modeled kernel as kd's contract sees it. The kernel's stop type is wider than the one the
 *  debugger declares (it adds `halt` and `internal-error`, which kd reports as budget stops). */
export const bootModeledWindows: BootKernel = (o) =>
  bootWindows({ smep: o.smep, smap: o.smap, kvaShadow: o.kvaShadow }) as unknown as ReturnType<BootKernel>;

/** Runs a scenario on the modeled Windows kernel. */
export function runScenario(s: Scenario): Trace {
  return runScenarioWith(s, bootModeledWindows);
}
