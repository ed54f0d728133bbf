// Loads the shared emulator chunk once per page.
export type Emulator = typeof import('./emulator.ts');
let pending: Promise<Emulator> | null = null;
export function loadEmulator(): Promise<Emulator> {
  if (!pending) pending = import('./emulator.ts');
  return pending;
}
export { EMULATOR_VERSION } from '../../emulator/src/scenario/version.ts';
