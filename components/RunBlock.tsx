// RunBlock: assembly the reader can run, edit and run again. The code is assembled by the
// emulator's own assembler at the user program's entry, the rest of the program's code page is
// `int 3` bytes (only the reader's code runs), and kd runs it (`bp` lines, `g`, then `r`); an
// assembler error points at its line and column, and a fault on one of the reader's instructions
// is shown as such, with the processor's causal chain. Without JavaScript, the code and the output
// the build computed are shown.
import { useState } from 'preact/hooks';
import type { Trace } from '../emulator/src/scenario/trace.ts';
import type { AsmProblem, ProgramFault } from '../emulator/src/scenario/program-code.ts';
import EventChain from './EventChain.tsx';
import { parseProp, type ProgramData } from './lib/widget-data.ts';
import { EMULATOR_VERSION, loadEmulator, loadProgramCode, loadProgramRunner } from './lib/load.ts';
import { clearHash, fromBase64Url, setHash, toBase64Url, writeHash } from './lib/permalink.ts';
import { usePermalinkRestore } from './lib/permalink-restore.ts';
import { emulatorAction } from './lib/emulator-action.ts';
import { TranscriptView, outcomeSentence } from './Transcript.tsx';
import { WidgetStatus } from './WidgetStatus.tsx';
import { CopyLink } from './CopyLink.tsx';
import { nextTask } from './lib/next-task.ts';
import './widgets.css';

/** The editor's size, and what a link holds in full. */
const MAX_SOURCE = 2000;

export default function RunBlock(props: { program: string }) {
  const parsed = parseProp<ProgramData>(props.program, 'code block');
  if (!parsed.ok) return <p class="widget-error" role="alert">{parsed.message}</p>;
  return <Runner data={parsed.value} />;
}

/** The first edit starts loading what Run needs; a failure is reported by Run itself. */
function prefetchRunner(): void {
  loadProgramRunner().catch(() => undefined);
  loadEmulator().catch(() => undefined);
  loadProgramCode().catch(() => undefined);
}

interface RunResult { trace: Trace; end?: string; fault?: ProgramFault }

/** The outcome in one sentence; code that ran past its last instruction says so in its words. */
export function runSentence(r: RunResult): string {
  const o = r.trace.outcome;
  if (o.kind === 'break' && o.breakpoint === undefined && r.end !== undefined && o.address === r.end) {
    return 'Your code ended: it ran past its last instruction into the int 3 bytes that follow it, and kd stopped there.';
  }
  return outcomeSentence(r.trace);
}

function FaultReport({ fault }: { fault: ProgramFault }) {
  return (
    <div class="run-fault" role="note">
      <p><strong>Your code raised {fault.name}</strong> ({fault.detail}) at <code>{fault.instruction}</code>. The processor delivered it to the kernel, which hands a user-mode fault to the program; what kd reports below follows from it.</p>
      <EventChain events={fault.chain} title="How the processor handled the fault" />
    </div>
  );
}

function Runner({ data }: { data: ProgramData }) {
  const built: RunResult = { trace: data.trace, end: data.end, fault: data.fault };
  const [source, setSource] = useState(data.source);
  const [result, setResult] = useState<RunResult | null>(built);
  const [error, setError] = useState<AsmProblem | null>(null);
  const [edited, setEdited] = useState(false);
  const [busy, setBusy] = useState(false);
  const [notice, setNotice] = useState('');
  const [announce, setAnnounce] = useState('');
  const [linkHash, setLinkHash] = useState(() => writeHash(data.id, [['run', '1'], ['v', EMULATOR_VERSION]]));
  const editorId = `${data.id}-source`;

  const hashFor = (text: string) => writeHash(data.id, [...(text !== data.source ? [['src', toBase64Url(text)] as [string, string]] : []), ['run', '1'], ['v', EMULATOR_VERSION]]);

  const run = async (text = source, fromLink = false) => {
    if (busy) return;
    await emulatorAction(setBusy, setNotice, async () => {
      const program = { id: data.id, options: data.options, source: text, breakpoints: data.breakpoints, budget: data.budget };
      // The unedited block runs from the bytes the build assembled; an edit needs the assembler.
      const stored = text === data.source ? data.code : undefined;
      const [emu, pc, asm] = await Promise.all([loadEmulator(), loadProgramCode(), stored === undefined ? loadProgramRunner() : null]);
      performance.mark('run-block-run-start');
      // Sliced: a program that loops to its budget never blocks the page for long.
      const code = asm ? asm.assembledCode(text) : pc.codeFromHex(text, stored!);
      await nextTask();
      const r = await pc.runProgramCodeAsync(program, emu.bootModeledWindows, code, { yield: nextTask });
      performance.measure('run-block-run', 'run-block-run-start');
      if (r.ok) {
        const next = { trace: r.trace, end: r.end, fault: r.fault };
        setResult(next);
        setError(null);
        setAnnounce(`${r.fault ? `Your code raised ${r.fault.name}. ` : ''}${runSentence(next)}`);
      } else {
        // No run happened: the previous output is not this code's, so it goes.
        setResult(null);
        setError(r.error);
        setAnnounce(`Assembler error on line ${r.error.line}, column ${r.error.column}: ${r.error.message}.`);
      }
      const h = hashFor(text);
      setLinkHash(h);
      if (!fromLink) setHash(h);
    });
  };

  const restoreOriginal = () => {
    setSource(data.source);
    setEdited(false);
    setError(null);
    setResult(built);
    setLinkHash(writeHash(data.id, [['run', '1'], ['v', EMULATOR_VERSION]]));
    clearHash();
  };

  const live = usePermalinkRestore({
    id: data.id,
    keys: ['src', 'run'],
    unknownKey: () => 'it sets a field this code block does not have',
    setNotice,
    restore: (f) => {
      const text = f.has('src') ? fromBase64Url(f.get('src')!) : data.source;
      if (text === null) return 'its code is not valid base64url text';
      if (text.length > MAX_SOURCE) return `its code is ${text.length} characters long; this block takes ${MAX_SOURCE}`;
      if (f.has('run') && f.get('run') !== '1') return 'its "run" value is malformed';
      setSource(text);
      setEdited(text !== data.source);
      setLinkHash(hashFor(text));
      if (f.get('run') === '1') void run(text, true);
      return null;
    },
  });

  const onKey = (e: KeyboardEvent) => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      void run();
    }
  };

  const lines = source.split('\n');
  const rows = Math.min(16, Math.max(4, lines.length + 1));
  const isBuilt = result === built || (result !== null && result.trace === data.trace);
  return (
    <section class="live-widget run-block" aria-label={`Runnable assembly ${data.id}`} data-live-widget data-pagefind-ignore data-widget-id={data.id}>
      {/* The build renders the code in a box of the editor's size and the controls disabled, so
          the widget keeps its height when it hydrates and the page does not move. */}
      <div class="run-editor">
        {live ? (
          <label for={editorId} class="widget-subtitle">Assembly (runs in user mode at the program's entry; only your code runs, then kd stops; Ctrl+Enter runs it)</label>
        ) : (
          <p class="widget-subtitle">Assembly (runs in user mode at the program's entry; only your code runs, then kd stops; editable when JavaScript runs)</p>
        )}
        {live ? (
          <textarea
            id={editorId}
            class="run-source"
            rows={rows}
            style={`--rows: ${rows}`}
            spellcheck={false}
            maxLength={MAX_SOURCE}
            value={source}
            onInput={(e) => { setSource((e.target as HTMLTextAreaElement).value); setEdited(true); prefetchRunner(); }}
            onKeyDown={onKey}
            aria-invalid={error ? 'true' : 'false'}
            aria-describedby={error ? `${data.id}-error` : undefined}
          />
        ) : (
          <pre class="run-source run-static" style={`--rows: ${rows}`} tabIndex={0} aria-label="Assembly"><code>{data.source}</code></pre>
        )}
      </div>
      <div class="widget-controls">
        <button type="button" class="widget-button primary" onClick={() => void run()} disabled={busy || !live} aria-label="Run the assembly">{busy ? 'Running\u2026' : 'Run'}</button>
        {edited && <button type="button" class="widget-button" onClick={restoreOriginal}>Restore the original</button>}
        <CopyLink hash={linkHash} live={live} />
        {/* One note, one line, before and after hydration (the transcript below shows the bp lines). */}
        {!live ? <span class="widget-note">Interactive when JavaScript runs.</span>
          : data.breakpoints.length > 0 && <span class="widget-note">Breakpoints: {data.breakpoints.join(', ')}</span>}
      </div>
      {error && (
        <div id={`${data.id}-error`} class="widget-notice run-error" role="alert">
          <p>Line {error.line}, column {error.column}: {error.message}</p>
          <pre><code>{error.text + '\n' + ' '.repeat(Math.max(0, error.column - 1)) + '^'}</code></pre>
        </div>
      )}
      <WidgetStatus notice={notice} announce={announce} />
      {result ? (
        <>
          <h4 class="widget-subtitle run-heading">{isBuilt ? 'Output, computed when this page was built' : 'Output of your run'}: {runSentence(result)}</h4>
          {data.claim && isBuilt ? <p class="claim-note">Checked claim: {data.claim}</p> : null}
          {result.fault ? <FaultReport fault={result.fault} /> : null}
          <TranscriptView trace={result.trace} />
          {result.trace.outcome.kind === 'bugcheck' || result.trace.outcome.kind === 'triple-fault' ? <EventChain events={result.trace.events} assumed={data.assumed} /> : null}
        </>
      ) : (
        <h4 class="widget-subtitle run-heading">No output: this code did not assemble, so nothing ran.</h4>
      )}
    </section>
  );
}
