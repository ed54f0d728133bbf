// The exercise check (emulator/src/scenario/exercise.ts), a chunk of its own loaded by an
// Exercise on its first command, so pages' other widgets do not carry it in the emulator chunk.
export { ExerciseTracker } from '../../emulator/src/scenario/exercise.ts';
