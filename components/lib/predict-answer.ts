// The answer of a "predict, then run" question, computed when the page is built: the same
// commands run on the modeled kernel, and the outcome is sorted into the three choices a reader
// gets. Runs only on the server (imported by chapters, never by a hydrated widget).
import { runScenario } from '../../emulator/src/scenario/index.ts';
import type { ScenarioOptions } from '../../emulator/src/scenario/trace.ts';
import { outcomeSentence } from '../Transcript.tsx';
import { choiceOf, type PredictChoice } from './predict-choice.ts';

export type { PredictChoice };

export interface PredictAnswer {
  choice: PredictChoice;
  /** The emulator's outcome in one sentence (the same words the widgets use). */
  sentence: string;
  /** What was run, so that a test can run it again and compare. */
  commands: string[];
  options: ScenarioOptions;
  /** Instructions one `g` may run (kd's default when absent), as in the demo the question precedes. */
  budget?: number;
}

export function predictAnswer(commands: string[], options: ScenarioOptions = {}, budget?: number): PredictAnswer {
  const trace = runScenario({ id: 'predict', options, commands, ...(budget ? { budget } : {}) });
  return { choice: choiceOf(trace.outcome.kind), sentence: outcomeSentence(trace), commands, options, ...(budget ? { budget } : {}) };
}
