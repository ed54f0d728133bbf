// "Predict, then run": before a demo, the reader picks what they expect (a breakpoint hit, a bug
// check, or neither) and only then opens the answer the emulator computed when the page was built.
// The demo itself, and any prose that states its outcome, are the box's children and sit inside
// the <details> with the answer: nothing on the page gives the outcome away before the reveal.
// Built from native controls (radio buttons, <details>), so it works the same before hydration
// and without JavaScript; with it, the opened answer also says whether the pick was right. A pick
// made before hydration is read from the form when the widget goes live. The pick stays in the
// page (no storage, no URL). On paper, the answer is printed open (site.css, print styles).
import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { PredictAnswer } from './lib/predict-answer.ts';
import type { PredictChoice } from './lib/predict-choice.ts';
import './predict.css';

const CHOICES: Array<{ value: PredictChoice; label: string }> = [
  { value: 'break', label: 'kd reports a breakpoint hit' },
  { value: 'bugcheck', label: 'the machine goes down (bug check)' },
  { value: 'nothing', label: 'neither: no breakpoint hit and no bug check' },
];

const labelOf = (c: PredictChoice) => CHOICES.find((x) => x.value === c)!.label;

export default function Predict(props: { id: string; question: string; answer: PredictAnswer; children?: ComponentChildren }) {
  const { id, question, answer } = props;
  const [picked, setPicked] = useState<PredictChoice | null>(null);
  const [open, setOpen] = useState(false);
  const root = useRef<HTMLDivElement>(null);

  // Hydration keeps the DOM as the reader left it: a radio picked or an answer opened before the
  // script ran is read back here instead of being ignored.
  useEffect(() => {
    const el = root.current;
    if (!el) return;
    const checked = el.querySelector<HTMLInputElement>(`input[name="predict-${id}"]:checked`);
    if (checked && CHOICES.some((c) => c.value === checked.value)) setPicked(checked.value as PredictChoice);
    const details = el.querySelector<HTMLDetailsElement>(':scope > details.predict-reveal');
    if (details?.open) setOpen(true);
  }, []);

  let verdict = '';
  if (open) {
    if (picked === null) verdict = 'You have not picked an answer.';
    else verdict = picked === answer.choice ? 'As you predicted.' : `Not quite: ${labelOf(answer.choice)}.`;
  }

  return (
    <div
      ref={root}
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
          <span class="predict-sentence">{answer.sentence}</span>
          {props.children ? ' The demo below shows the whole session.' : null}
        </p>
        {props.children ? <div class="predict-demo">{props.children}</div> : null}
      </details>
    </div>
  );
}
