// Each chapter's exercises (content/exercises/<chapter id>.ts), validated when the build reads
// them, like claims: a stored solution that does not solve its exercise, a wrong attempt its check
// accepts, or malformed data fails the build naming the file and the exercise.
import { validateExercise, type Exercise } from '../../emulator/src/scenario/exercise.ts';
import { bootModeledWindows, runScenario } from '../../emulator/src/scenario/index.ts';
import type { Trace } from '../../emulator/src/scenario/trace.ts';

const files = import.meta.glob<{ default: Exercise[] }>('../../content/exercises/*.ts', { eager: true });

export const MIN_EXERCISES = 2;
export const MAX_EXERCISES = 4;

/** What the Exercise widget gets: the exercise and the fresh machine its session starts from. */
export type ExerciseData = { key: string; chapter: string; number: number; exercise: Exercise; trace: Trace };

const checked = new Map<string, ExerciseData[]>();

export function chapterExercises(chapterId: string): ExerciseData[] {
  const cached = checked.get(chapterId);
  if (cached) return cached;
  const file = `content/exercises/${chapterId}.ts`;
  const list = files[`../../content/exercises/${chapterId}.ts`]?.default;
  if (!Array.isArray(list)) throw new Error(`${file} is missing: every chapter ends with ${MIN_EXERCISES} to ${MAX_EXERCISES} exercises.`);
  if (list.length < MIN_EXERCISES || list.length > MAX_EXERCISES) {
    throw new Error(`${file} has ${list.length} exercises; a chapter ends with ${MIN_EXERCISES} to ${MAX_EXERCISES}.`);
  }
  const ids = new Set<string>();
  const out = list.map((exercise, i) => {
    validateExercise(file, exercise, bootModeledWindows);
    if (ids.has(exercise.id)) throw new Error(`${file}: two exercises are called "${exercise.id}".`);
    ids.add(exercise.id);
    const key = `${chapterId}.${exercise.id}`;
    // An empty session: the widget's kd continues from the freshly booted machine.
    const trace = runScenario({ id: `exercise-${chapterId}-${exercise.id}`.slice(0, 80), options: exercise.options, commands: [] });
    return { key, chapter: chapterId, number: i + 1, exercise, trace };
  });
  checked.set(chapterId, out);
  return out;
}
