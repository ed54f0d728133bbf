// Exercise: a goal, hints, a kd session and the stored solution. After every command the reader
// types (or the solution runs), the emulator evaluates the exercise's check on the machine
// (emulator/src/scenario/exercise.ts); once it holds, the exercise is solved and remembered in
// localStorage (lib/progress.ts). The build renders everything but the verdict, disabled as the
// kd session is, so the page reads (and prints) with the hints and solution in place.
import { useEffect, useRef, useState } from 'preact/hooks';
import type { Exercise as ExerciseDef } from '../emulator/src/scenario/exercise.ts';
import type { Trace } from '../emulator/src/scenario/trace.ts';
import KdSession, { type CommandHook, type SessionControl } from './KdSession.tsx';
import { parseProp } from './lib/widget-data.ts';
import { loadExerciseCheck } from './lib/load.ts';
import { markSolved, readProgress, PROGRESS_EVENT } from './lib/progress.ts';
import './widgets.css';
import './exercise.css';

export type ExerciseProp = { key: string; chapter: string; number: number; exercise: ExerciseDef; trace: Trace };

export default function Exercise(props: { data: string }) {
  const parsed = parseProp<ExerciseProp>(props.data, 'exercise');
  if (!parsed.ok) return <p class="widget-error" role="alert">{parsed.message}</p>;
  return <ExerciseWidget data={parsed.value} />;
}

function ExerciseWidget({ data }: { data: ExerciseProp }) {
  const { key, number, exercise, trace } = data;
  const [live, setLive] = useState(false);
  const [solved, setSolved] = useState(false);
  const [unmet, setUnmet] = useState<string[] | null>(null);
  const [announce, setAnnounce] = useState('');
  const tracker = useRef<InstanceType<Awaited<ReturnType<typeof loadExerciseCheck>>['ExerciseTracker']> | null>(null);
  const control = useRef<SessionControl>({});

  useEffect(() => {
    const sync = () => setSolved(!!readProgress()[key]);
    sync();
    setLive(true);
    addEventListener(PROGRESS_EVENT, sync);
    addEventListener('storage', sync);
    return () => {
      removeEventListener(PROGRESS_EVENT, sync);
      removeEventListener('storage', sync);
    };
  }, [key]);

  // kd has run a line: the emulator checks the goal on the machine as it is now.
  const onCommand: CommandHook = (session, line) => {
    void loadExerciseCheck().then((check) => {
      tracker.current ??= new check.ExerciseTracker(exercise);
      const v = tracker.current.afterCommand(session, line);
      setUnmet(v.unmet);
      if (v.solved) {
        const kept = markSolved(key);
        setSolved(true);
        setAnnounce(kept ? `Exercise ${number} solved.` : `Exercise ${number} solved (this browser keeps no progress).`);
      }
    });
  };

  const titleId = `${trace.id}-exercise`;
  return (
    <section class={`exercise${solved ? ' solved' : ''}`} aria-labelledby={titleId} data-exercise={key}>
      <h3 id={titleId} class="exercise-title">
        <span class="exercise-number">Exercise {number}</span> {exercise.goal}
      </h3>
      <p class="exercise-status">
        {!live ? 'The emulator checks your commands when JavaScript runs.'
          : solved ? <><span aria-hidden="true">✓ </span><strong>Solved.</strong> Your progress is kept in this browser.</>
          : unmet && unmet.length ? `Not yet: ${unmet.join('; ')}.`
          : 'Not solved yet: type kd commands below; the emulator checks the machine after each one.'}
      </p>
      <details class="exercise-hints">
        <summary>Hint{exercise.hints.length > 1 ? 's' : ''}</summary>
        <ul>{exercise.hints.map((h, i) => <li key={i}>{h}</li>)}</ul>
      </details>
      <KdSession trace={JSON.stringify(trace)} onCommand={onCommand} control={control.current} />
      <details class="exercise-solution">
        <summary>Solution</summary>
        <ol class="exercise-solution-lines" aria-label="kd commands of the solution">
          {exercise.solution.map((l, i) => <li key={i}><code>{l}</code></li>)}
        </ol>
        <button type="button" class="widget-button" disabled={!live} onClick={() => control.current.run?.(exercise.solution)}>
          Run the solution in the session above
        </button>
      </details>
      <p class="visually-hidden" aria-live="polite">{announce}</p>
    </section>
  );
}
