// "Predict, then run": before a demo, the reader picks what they expect (a breakpoint hit, a bug
// check, or neither) and only then opens the answer the emulator computed when the page was built.
// Built from native controls (radio buttons, <details>), so it works and reads the same without
// JavaScript; with it, the opened answer also says whether the pick was right. The pick stays in
// the page (no storage, no URL).
import { useState } from 'preact/hooks';
import type { PredictAnswer } from './lib/predict-answer.ts';
import type { PredictChoice } from './lib/predict-choice.ts';
import './predict.css';

const CHOICES: Array<{ value: PredictChoice; label: string }> = [
  { value: 'break', label: 'kd reports a breakpoint hit' },
  { value: 'bugcheck', label: 'the machine goes down (bug check)' },
  { value: 'nothing', label: 'neither: no breakpoint hit and no bug check' },
];

const labelOf = (c: PredictChoice) => CHOICES.find((x) => x.value === c)!.label;

export default function Predict(props: { id: string; question: string; answer: PredictAnswer }) {
  const { id, question, answer } = props;
  const [picked, setPicked] = useState<PredictChoice | null>(null);
  const [open, setOpen] = useState(false);

  let verdict = '';
  if (open) {
    if (picked === null) verdict = 'You have not picked an answer.';
    else verdict = picked === answer.choice ? 'As you predicted.' : `Not quite: ${labelOf(answer.choice)}.`;
  }

  return (
    <div
      class="predict"
      data-predict={id}
      data-answer={answer.choice}
      data-commands={JSON.stringify(answer.commands)}
      data-options={JSON.stringify(answer.options)}
      data-budget={answer.budget}
    >
      <fieldset class="predict-choices">
        <legend class="predict-question"><strong>Predict, then run.</strong> {question}</legend>
        {CHOICES.map((c) => (
          <label key={c.value} class="predict-choice">
            <input type="radio" name={`predict-${id}`} value={c.value} checked={picked === c.value} onChange={() => setPicked(c.value)} />{' '}
            {c.label}
          </label>
        ))}
      </fieldset>
      <details class="predict-reveal" onToggle={(e) => setOpen((e.currentTarget as HTMLDetailsElement).open)}>
        <summary>Reveal what the emulator computed</summary>
        <p class="predict-result">
          <strong class="predict-verdict" aria-live="polite">{verdict}</strong>{' '}
          <span class="predict-sentence">{answer.sentence}</span> The demo below shows the whole session.
        </p>
      </details>
    </div>
  );
}
