// The one emulator chunk every widget shares, loaded on the first action that needs the machine
// (a widget's first render uses only its build-time data). CPU, modeled kernel (booted from its
// pre-assembled image), kd, scenarios. The assembler is not in it (see program-runner.ts), nor
// the code blocks' runner (program-code.ts, loaded by a code block). Only what a widget calls is
// exported: an export of this dynamically imported module keeps its code in the chunk.
export { bootModeledWindows } from '../../emulator/src/scenario/index.ts';
export { traceSessionAsync } from '../../emulator/src/scenario/run-async.ts';
export { runScenarioWith, openSession } from '../../emulator/src/scenario/run.ts';
export { CpuStepper } from '../../emulator/src/scenario/cpu-stepper.ts';
import { recyclingBoot } from '../../emulator/src/scenario/boot-cache.ts';
import { bootModeledWindows as boot } from '../../emulator/src/scenario/index.ts';
/** The lab's runs are synchronous: each may reuse the booted kernel (restored to its boot state). */
export const labBoot = recyclingBoot(boot);
