// RunBlock: assembly the reader can run, edit and run again. The code is assembled by the
// emulator's own assembler at the user program's entry, and kd runs it (`g`, then `r`); an
// assembler error points at its line and column. Without JavaScript, the code and the output the
// build computed are shown.
import { useState } from 'preact/hooks';
import type { Trace } from '../emulator/src/scenario/trace.ts';
import type { AsmProblem } from '../emulator/src/scenario/program-code.ts';
import EventChain from './EventChain.tsx';
import { parseProp, type ProgramData } from './lib/widget-data.ts';
import { EMULATOR_VERSION, loadEmulator, loadProgramRunner } from './lib/load.ts';
import { setHash, writeHash } from './lib/permalink.ts';
import { usePermalinkRestore } from './lib/permalink-restore.ts';
import { emulatorAction } from './lib/emulator-action.ts';
import { TranscriptView, outcomeSentence } from './Transcript.tsx';
import { WidgetStatus } from './WidgetStatus.tsx';
import './widgets.css';

const MAX_SOURCE = 2000;

export default function RunBlock(props: { program: string }) {
  const parsed = parseProp<ProgramData>(props.program, 'code block');
  if (!parsed.ok) return <p class="widget-error" role="alert">{parsed.message}</p>;
  return <Runner data={parsed.value} />;
}

function toBase64Url(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let s = '';
  bytes.forEach((b) => { s += String.fromCharCode(b); });
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}
function fromBase64Url(v: string): string | null {
  if (!/^[A-Za-z0-9_-]{1,1000}$/.test(v)) return null;
  try {
    const bin = atob(v.replace(/-/g, '+').replace(/_/g, '/'));
    const text = new TextDecoder('utf-8', { fatal: true }).decode(Uint8Array.from(bin, (c) => c.charCodeAt(0)));
    return text.length <= MAX_SOURCE && /^[\x20-\x7e\t\n]*$/.test(text) ? text : null;
  } catch {
    return null;
  }
}

/** The first edit starts loading what Run needs; a failure is reported by Run itself. */
function prefetchRunner(): void {
  loadProgramRunner().catch(() => undefined);
  loadEmulator().catch(() => undefined);
}

function Runner({ data }: { data: ProgramData }) {
  const [source, setSource] = useState(data.source);
  const [trace, setTrace] = useState<Trace>(data.trace);
  const [error, setError] = useState<AsmProblem | null>(null);
  const [edited, setEdited] = useState(false);
  const [busy, setBusy] = useState(false);
  const [notice, setNotice] = useState('');
  const [announce, setAnnounce] = useState('');
  const editorId = `${data.id}-source`;

  const run = async (text = source, fromLink = false) => {
    if (busy) return;
    await emulatorAction(setBusy, setNotice, async () => {
      const program = { id: data.id, options: data.options, source: text, breakpoints: data.breakpoints, budget: data.budget };
      // The unedited block runs from the bytes the build assembled; an edit needs the assembler.
      const stored = text === data.source ? data.code : undefined;
      const [emu, asm] = await Promise.all([loadEmulator(), stored === undefined ? loadProgramRunner() : null]);
      performance.mark('run-block-run-start');
      const r = asm ? asm.runProgramWith(program, emu.bootModeledWindows) : emu.runProgramCodeWith(program, emu.bootModeledWindows, emu.codeFromHex(text, stored!));
      performance.measure('run-block-run', 'run-block-run-start');
      if (r.ok) {
        setTrace(r.trace);
        setError(null);
        setAnnounce(outcomeSentence(r.trace));
      } else {
        setError(r.error);
        setAnnounce(`Assembler error on line ${r.error.line}, column ${r.error.column}: ${r.error.message}.`);
      }
      if (!fromLink) setHash(writeHash(data.id, [...(text !== data.source ? [['src', toBase64Url(text)] as [string, string]] : []), ['run', '1'], ['v', EMULATOR_VERSION]]));
    });
  };

  const live = usePermalinkRestore({
    id: data.id,
    keys: ['src', 'run'],
    unknownKey: () => 'it sets a field this code block does not have',
    setNotice,
    restore: (f) => {
      const text = f.has('src') ? fromBase64Url(f.get('src')!) : data.source;
      if (text === null) return 'its code is malformed';
      setSource(text);
      setEdited(text !== data.source);
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
  return (
    <section class="live-widget run-block" aria-label={`Runnable assembly ${data.id}`} data-live-widget data-widget-id={data.id}>
      {/* The build renders the code in a box of the editor's size and the controls disabled, so
          the widget keeps its height when it hydrates and the page does not move. */}
      <div class="run-editor">
        {live ? (
          <label for={editorId} class="widget-subtitle">Assembly (runs in user mode at the program's entry; Ctrl+Enter runs it)</label>
        ) : (
          <p class="widget-subtitle">Assembly (runs in user mode at the program's entry; editable when JavaScript runs)</p>
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
        {edited && <button type="button" class="widget-button" onClick={() => { setSource(data.source); setEdited(false); setError(null); setTrace(data.trace); }}>Restore the original</button>}
        {!live && <span class="widget-note">Interactive when JavaScript runs.</span>}
        {data.breakpoints.length > 0 && <span class="widget-note">Breakpoints: {data.breakpoints.join(', ')}</span>}
      </div>
      {error && (
        <div id={`${data.id}-error`} class="widget-notice run-error" role="alert">
          <p>Line {error.line}, column {error.column}: {error.message}</p>
          <pre><code>{error.text + '\n' + ' '.repeat(Math.max(0, error.column - 1)) + '^'}</code></pre>
        </div>
      )}
      <WidgetStatus notice={notice} announce={announce} />
      <h4 class="widget-subtitle">{trace === data.trace ? 'Output, computed when this page was built' : 'Output of your run'}: {outcomeSentence(trace)}</h4>
      {data.claim && trace === data.trace ? <p class="claim-note">Checked claim: {data.claim}</p> : null}
      <TranscriptView trace={trace} />
      {trace.outcome.kind === 'bugcheck' || trace.outcome.kind === 'triple-fault' ? <EventChain events={trace.events} assumed={data.assumed} /> : null}
    </section>
  );
}
