// The three choices of a "predict, then run" question, and how an emulator outcome maps onto them.
// Kept free of JSX and of the emulator so that the widget, the build and the tests share it.
export type PredictChoice = 'break' | 'bugcheck' | 'nothing';

/** Sorts an outcome kind into the reader's three choices. A triple fault also takes the machine down. */
export function choiceOf(kind: string): PredictChoice {
  if (kind === 'break' || kind === 'step' || kind === 'break-in') return 'break';
  if (kind === 'bugcheck' || kind === 'triple-fault') return 'bugcheck';
  return 'nothing';
}
