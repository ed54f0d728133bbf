// "Predict, then run": before a demo, the reader picks what they expect (a breakpoint hit, a bug
// check, or nothing visible) and only then sees what the emulator computed. Without JavaScript
// it is a plain question with its three choices; the demo below it gives the answer. The choice
// stays in the page (no storage, no URL).
import { useEffect, useState } from 'preact/hooks';
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
  const [live, setLive] = useState(false);
  const [picked, setPicked] = useState<PredictChoice | null>(null);
  const [revealed, setRevealed] = useState(false);
  useEffect(() => setLive(true), []);

  const data = {
    'data-predict': id,
    'data-answer': answer.choice,
    'data-commands': JSON.stringify(answer.commands),
    'data-options': JSON.stringify(answer.options),
  };

  if (!live) {
    return (
      <div class="predict" {...data}>
        <p class="predict-question"><strong>Predict, then run.</strong> {question}</p>
        <ul class="predict-static">
          {CHOICES.map((c) => <li key={c.value}>{c.label}</li>)}
        </ul>
        <p class="predict-hint">Decide before you read on: the demo below shows what the emulated machine does.</p>
      </div>
    );
  }

  const name = `predict-${id}`;
  return (
    <div class="predict" {...data}>
      <fieldset class="predict-choices">
        <legend class="predict-question"><strong>Predict, then run.</strong> {question}</legend>
        {CHOICES.map((c) => (
          <label key={c.value} class="predict-choice">
            <input
              type="radio"
              name={name}
              value={c.value}
              checked={picked === c.value}
              disabled={revealed}
              onChange={() => setPicked(c.value)}
            />{' '}
            {c.label}
          </label>
        ))}
      </fieldset>
      <div class="predict-controls">
        <button type="button" class="predict-button" disabled={picked === null || revealed} onClick={() => setRevealed(true)}>
          Reveal what the emulator computed
        </button>
        {revealed && (
          <button type="button" class="predict-button" onClick={() => { setRevealed(false); setPicked(null); }}>
            Try again
          </button>
        )}
      </div>
      <p class="predict-result" aria-live="polite">
        {revealed && picked !== null && (
          <>
            <strong>{picked === answer.choice ? 'As you predicted.' : `Not quite: ${labelOf(answer.choice)}.`}</strong>{' '}
            <span class="predict-sentence">{answer.sentence}</span> The demo below shows the whole session.
          </>
        )}
      </p>
    </div>
  );
}
