// Loads the shared emulator chunk once per page.
export type Emulator = typeof import('./emulator.ts');
let pending: Promise<Emulator> | null = null;
export function loadEmulator(): Promise<Emulator> {
  if (!pending) pending = import('./emulator.ts');
  return pending;
}
export { EMULATOR_VERSION } from '../../emulator/src/scenario/version.ts';

// Code blocks' runs from the bytes the build assembled (RunBlock only, no assembler).
export type ProgramCode = typeof import('../../emulator/src/scenario/program-code.ts');
let programCode: Promise<ProgramCode> | null = null;
export function loadProgramCode(): Promise<ProgramCode> {
  if (!programCode) programCode = import('../../emulator/src/scenario/program-code.ts');
  return programCode;
}

// The assembler and program runner (RunBlock only), loaded on the first edit or run.
export type ProgramRunner = typeof import('./program-runner.ts');
let runner: Promise<ProgramRunner> | null = null;
export function loadProgramRunner(): Promise<ProgramRunner> {
  if (!runner) runner = import('./program-runner.ts');
  return runner;
}

// The exercise check (Exercise only), loaded with the first command of an exercise's session.
export type ExerciseCheck = typeof import('./exercise-check.ts');
let exerciseCheck: Promise<ExerciseCheck> | null = null;
export function loadExerciseCheck(): Promise<ExerciseCheck> {
  if (!exerciseCheck) exerciseCheck = import('./exercise-check.ts');
  return exerciseCheck;
}
