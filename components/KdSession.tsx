// KdSession: a kd transcript computed at build time, then a live `0: kd>` prompt over the full
// debugger and the modeled machine, continuing from exactly where the transcript ended (the
// browser replays the same commands on a fresh boot; the session is deterministic).
import { useEffect, useRef, useState } from 'preact/hooks';
import type { Trace } from '../emulator/src/scenario/trace.ts';
import { parseProp } from './lib/widget-data.ts';
import { EMULATOR_VERSION, loadEmulator, type Emulator } from './lib/load.ts';
import { setHash, writeHash } from './lib/permalink.ts';
import { usePermalinkRestore } from './lib/permalink-restore.ts';
import { emulatorAction } from './lib/emulator-action.ts';
import { TranscriptView } from './Transcript.tsx';
import { WidgetStatus } from './WidgetStatus.tsx';
import './widgets.css';

type Session = ReturnType<Emulator['openSession']>;
const MAX_COMMANDS = 40;
const MAX_LINE = 200;

/** Resolves in a later task (not a microtask), so the page paints and handles input (the Break
 *  button) between slices of a long run; a message port has no timer clamping. */
function nextTask(): Promise<void> {
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      resolve();
    };
    channel.port2.postMessage(null);
  });
}

/** Told after kd has run each line (typed, restored from a link, or run through `control`). */
export type CommandHook = (session: Session, line: string) => void;
/** Filled in by the session: lets a wrapping widget (an exercise) run lines as if typed. */
export type SessionControl = { run?: (lines: string[]) => void };

export default function KdSession(props: { trace: string; onCommand?: CommandHook; control?: SessionControl }) {
  const parsed = parseProp<Trace>(props.trace, 'kd session');
  if (!parsed.ok) return <p class="widget-error" role="alert">{parsed.message}</p>;
  return <KdWidget trace={parsed.value} onCommand={props.onCommand} control={props.control} />;
}

/** Typed commands travel in the hash as base64url of UTF-8 lines joined by newlines. */
function encodeCommands(lines: string[]): string {
  const bytes = new TextEncoder().encode(lines.join('\n'));
  let s = '';
  bytes.forEach((b) => { s += String.fromCharCode(b); });
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}
function decodeCommands(v: string): string[] | null {
  if (!/^[A-Za-z0-9_-]{0,1000}$/.test(v)) return null;
  try {
    const bin = atob(v.replace(/-/g, '+').replace(/_/g, '/'));
    const text = new TextDecoder('utf-8', { fatal: true }).decode(Uint8Array.from(bin, (c) => c.charCodeAt(0)));
    const lines = text.split('\n');
    if (lines.length > MAX_COMMANDS || lines.some((l) => l.length > MAX_LINE || !/^[\x20-\x7e]*$/.test(l))) return null;
    return lines;
  } catch {
    return null;
  }
}

function KdWidget({ trace, onCommand, control }: { trace: Trace; onCommand?: CommandHook; control?: SessionControl }) {
  const [entries, setEntries] = useState<Array<{ command: string; output: string }>>([]);
  const [screenCleared, setScreenCleared] = useState(false);
  const [typed, setTyped] = useState<string[]>([]);
  const [input, setInput] = useState('');
  const [historyAt, setHistoryAt] = useState<number | null>(null);
  const [busy, setBusy] = useState(false);
  // A command that has paused at least once (a long g/gu/p): the Break button shows.
  const [running, setRunning] = useState(false);
  const breakRequested = useRef(false);
  const [notice, setNotice] = useState('');
  const [announce, setAnnounce] = useState('');
  const session = useRef<Session | null>(null);
  const root = useRef<HTMLElement>(null);
  const inputId = `${trace.id}-input`;
  const hintId = `${trace.id}-hint`;
  const inputRef = useRef<HTMLInputElement>(null);
  const breakRef = useRef<HTMLButtonElement>(null);

  // The input is disabled while a command runs, which drops its focus: a long run hands the
  // focus to the Break button, and the end of a command typed at the prompt hands it back.
  const focusBack = useRef(false);
  useEffect(() => {
    const active = document.activeElement;
    if (running && (active === null || active === document.body || active === inputRef.current)) breakRef.current?.focus();
    if (!busy && focusBack.current) {
      focusBack.current = false;
      inputRef.current?.focus();
    }
  }, [running, busy]);

  const ensure = async (): Promise<Session> => {
    if (session.current) return session.current;
    const emu = await loadEmulator();
    const s = emu.openSession({ options: trace.options }, emu.bootModeledWindows);
    for (const t of trace.transcript) await s.execAsync(t.command, { yield: nextTask });
    session.current = s;
    return s;
  };

  const runLines = (lines: string[], record: boolean) => emulatorAction(setBusy, setNotice, async () => {
    const s = await ensure();
    let out: Array<{ command: string; output: string }> = [];
    let cleared = false;
    let last = '';
    for (const line of lines) {
      breakRequested.current = false;
      let r;
      try {
        r = await s.execAsync(line, {
          yield: () => {
            setRunning(true);
            return nextTask();
          },
          shouldStop: () => breakRequested.current,
        });
      } finally {
        setRunning(false);
      }
      // `.cls` clears the console: what was shown before this line goes away.
      if (r.cleared) {
        cleared = true;
        out = [];
      }
      out.push({ command: line, output: r.output });
      onCommand?.(s, line);
      last = r.stop ? r.output.split('\n').find((l) => l.trim() !== '') ?? '' : 'Done.';
    }
    if (cleared) setScreenCleared(true);
    setEntries((e) => (cleared ? out : [...e, ...out]));
    setAnnounce(last);
    if (record) {
      const all = [...typed, ...lines].slice(-MAX_COMMANDS);
      setTyped(all);
      setHash(writeHash(trace.id, [['c', encodeCommands(all)], ['v', EMULATOR_VERSION]]));
    }
  });

  const live = usePermalinkRestore({
    id: trace.id,
    keys: ['c'],
    unknownKey: () => 'it sets a field this session does not have',
    setNotice,
    restore: (f) => {
      const lines = decodeCommands(f.get('c') ?? '');
      if (lines === null) return 'its commands are malformed';
      setTyped(lines);
      void runLines(lines, false);
      return null;
    },
  });

  if (control) control.run = (lines) => { if (live && !busy) void runLines(lines, true); };

  const submit = (e: Event) => {
    e.preventDefault();
    const line = input.slice(0, MAX_LINE);
    if (busy || line.trim() === '') return;
    setInput('');
    setHistoryAt(null);
    focusBack.current = true;
    void runLines([line], true);
  };

  const onInputKey = (e: KeyboardEvent) => {
    if (e.key !== 'ArrowUp' && e.key !== 'ArrowDown') return;
    if (typed.length === 0) return;
    e.preventDefault();
    let i = historyAt ?? typed.length;
    i = e.key === 'ArrowUp' ? Math.max(0, i - 1) : Math.min(typed.length, i + 1);
    setHistoryAt(i);
    setInput(i < typed.length ? typed[i] : '');
  };

  const titleId = `${trace.id}-title`;
  return (
    <section ref={root} class="live-widget kd-session" aria-labelledby={titleId} data-live-widget data-widget-id={trace.id}>
      <h3 id={titleId} class="visually-hidden">kd session {trace.id}: {trace.transcript.map((t) => t.command).join('; ').slice(0, 80)}</h3>
      {!screenCleared && trace.transcript.length > 0 && <TranscriptView trace={trace} />}
      {entries.length > 0 && (
        <pre class="kd-transcript kd-live" aria-label="Your commands and kd's answers" tabIndex={0}>
          <code>
            {entries.map((t, i) => (
              <span key={i} class="kd-entry">
                <span class="kd-prompt">0: kd&gt; </span><span class="kd-command">{t.command}</span>{'\n'}
                {t.output ? <span class="kd-output">{t.output + '\n'}</span> : null}
              </span>
            ))}
          </code>
        </pre>
      )}
      {/* Rendered by the build too (disabled until the page's scripts run), so that hydration
          does not push the page down. */}
      <form class="kd-prompt-form" onSubmit={submit}>
        <label for={inputId} class="kd-prompt">0: kd&gt;</label>
        <input
          id={inputId}
          class="kd-input"
          type="text"
          autocomplete="off"
          spellcheck={false}
          maxLength={MAX_LINE}
          value={input}
          onInput={(e) => setInput((e.target as HTMLInputElement).value)}
          onKeyDown={onInputKey}
          aria-label="kd command (Up and Down recall earlier commands)"
          aria-describedby={live ? undefined : hintId}
          disabled={!live || busy}
          ref={inputRef}
        />
        <button type="submit" class="widget-button" disabled={!live || busy}>Run</button>
        {running && (
          <>
            <span class="kd-running">Running…</span>
            <button
              type="button"
              class="widget-button"
              ref={breakRef}
              aria-label="Break into the running target"
              onClick={() => { breakRequested.current = true; }}
            >
              Break
            </button>
          </>
        )}
        {!live && <span id={hintId} class="widget-hint">Interactive when JavaScript runs.</span>}
      </form>
      <WidgetStatus notice={notice} announce={announce} />
    </section>
  );
}
