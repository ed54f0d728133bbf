// KdSession: a kd transcript computed at build time, then a live `0: kd>` prompt over the full
// debugger and the modeled machine, continuing from exactly where the transcript ended (the
// browser replays the same commands on a fresh boot; the session is deterministic).
import { useEffect, useRef, useState } from 'preact/hooks';
import type { Trace } from '../emulator/src/scenario/trace.ts';
import { parseProp } from './lib/widget-data.ts';
import { EMULATOR_VERSION, loadEmulator, type Emulator } from './lib/load.ts';
import { MAX_HASH, clearHash, setHash } from './lib/permalink.ts';
import { MAX_COMMANDS, MAX_LINE, decodeCommands, decodePosition, linkFor as kdLink, positionFix, positionOf } from './lib/kd-link.ts';
import { nextTask } from './lib/next-task.ts';
import { CopyLink } from './CopyLink.tsx';
import { usePermalinkRestore } from './lib/permalink-restore.ts';
import { emulatorAction } from './lib/emulator-action.ts';
import { TranscriptView } from './Transcript.tsx';
import { WidgetStatus } from './WidgetStatus.tsx';
import './widgets.css';

type Session = ReturnType<Emulator['openSession']>;
/** Entries the live transcript keeps on the page; older ones scroll out (with a note). */
const MAX_ENTRIES = 300;

/** Told after kd has run each line (typed, restored from a link, or run through `control`). */
export type CommandHook = (session: Session, line: string) => void;
/** Filled in by the session: lets a wrapping widget (an exercise) run lines as if typed. */
export type SessionControl = { run?: (lines: string[]) => void };

export default function KdSession(props: { trace: string; onCommand?: CommandHook; control?: SessionControl }) {
  const parsed = parseProp<Trace>(props.trace, 'kd session');
  if (!parsed.ok) return <p class="widget-error" role="alert">{parsed.message}</p>;
  return <KdWidget trace={parsed.value} onCommand={props.onCommand} control={props.control} />;
}

/** The link for `lines` at the session's time-travel position (kd-link.ts). */
function linkFor(id: string, lines: string[], position?: number): { hash: string; dropped: number } {
  return kdLink(id, EMULATOR_VERSION, lines, position);
}

type Entry = { command: string; output: string; note?: boolean };

function KdWidget({ trace, onCommand, control }: { trace: Trace; onCommand?: CommandHook; control?: SessionControl }) {
  const [entries, setEntries] = useState<Entry[]>([]);
  // After `.cls` the build-time transcript above the prompt is cleared too, as WinDbg clears its window.
  const [screenCleared, setScreenCleared] = useState(false);
  /** Entries dropped from the top of the live transcript (MAX_ENTRIES). */
  const [scrolledOut, setScrolledOut] = useState(0);
  const [typed, setTyped] = useState<string[]>([]);
  const [input, setInput] = useState('');
  const [historyAt, setHistoryAt] = useState<number | null>(null);
  const [busy, setBusy] = useState(false);
  // A command that has paused at least once (a long g/gu/p): the Break button shows.
  const [running, setRunning] = useState(false);
  const breakRequested = useRef(false);
  const [notice, setNotice] = useState('');
  const [announce, setAnnounce] = useState('');
  const [link, setLink] = useState(() => linkFor(trace.id, []));
  const session = useRef<Session | null>(null);
  const inputId = `${trace.id}-input`;
  const hintId = `${trace.id}-hint`;
  const inputRef = useRef<HTMLInputElement>(null);
  const breakRef = useRef<HTMLButtonElement>(null);
  const liveRef = useRef<HTMLPreElement>(null);

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

  // The newest answer is in view inside the bounded transcript box.
  useEffect(() => {
    const el = liveRef.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, [entries]);

  /** A session at the end of the page's transcript (the same commands on a fresh boot). */
  const fresh = async (): Promise<Session> => {
    const emu = await loadEmulator();
    const s = emu.openSession({ options: trace.options }, emu.bootModeledWindows);
    for (const t of trace.transcript) await s.execAsync(t.command, { yield: nextTask });
    return s;
  };
  const ensure = async (): Promise<Session> => {
    if (!session.current) session.current = await fresh();
    return session.current;
  };

  /** Runs lines as typed; `claimed` is the time-travel position a restored link records. */
  const runLines = (lines: string[], record: boolean, claimed?: number) => emulatorAction(setBusy, setNotice, async () => {
    let s = await ensure();
    let shown: Entry[] = [];
    let cleared = false;
    let last = '';
    for (const line of lines) {
      // `.cls` clears the command window, as in WinDbg; the debugger itself is not involved.
      if (line.trim() === '.cls') {
        shown = [];
        cleared = true;
        last = 'Screen cleared.';
        continue;
      }
      // After `q` the session is over; the next command starts a new one, and the transcript says so.
      if (s.ended) {
        s = session.current = await fresh();
        shown.push({ command: '', output: 'A new kd session starts here (the previous one ended with q), from the end of the transcript above.', note: true });
      }
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
      // kd's own `.cls` (e.g. inside a command list) clears what was shown before this line.
      if (r.cleared) {
        shown = [];
        cleared = true;
      }
      shown.push({ command: line, output: r.output });
      onCommand?.(s, line);
      if (s.ended) shown.push({ command: '', output: 'The kd session has ended (q). Type a command to start a new one, or Reset.', note: true });
      last = s.ended ? 'The kd session has ended.' : r.stop ? r.output.split('\n').find((l) => l.trim() !== '') ?? '' : 'Done.';
    }
    // A restored link: its commands must reach the position it records, or kd travels there.
    const fix = positionFix(positionOf(s), claimed);
    const ran = [...lines];
    let fixNote = '';
    if (fix && !s.ended) {
      const r = await s.execAsync(fix.command, { yield: nextTask });
      shown.push({ command: fix.command, output: r.output });
      ran.push(fix.command);
      fixNote = positionOf(s) === claimed ? fix.note : `${fix.note.replace(/; kd travelled there.*$/, '')}; kd could not travel there (the history window does not reach it).`;
    }
    if (cleared) setScreenCleared(true);
    setEntries((e) => {
      const all = cleared ? shown : [...e, ...shown];
      const over = Math.max(0, all.length - MAX_ENTRIES);
      setScrolledOut((n) => (cleared ? over : n + over));
      return all.slice(over);
    });
    setAnnounce(last);
    const all = record ? [...typed, ...ran] : ran;
    setTyped(all);
    const l = linkFor(trace.id, all, positionOf(s));
    setLink(l);
    if (record) setHash(l.hash);
    if (fixNote) setNotice(fixNote);
    else if (l.dropped > 0) setNotice(`The link to this session holds your first ${all.length - l.dropped} commands; the last ${l.dropped} are not in it (a link holds ${MAX_COMMANDS} commands at most, within ${MAX_HASH} characters).`);
  });

  const reset = () => {
    if (busy) return;
    session.current = null;
    setEntries([]);
    setScrolledOut(0);
    setScreenCleared(false);
    setTyped([]);
    setNotice('');
    setLink(linkFor(trace.id, []));
    setAnnounce('The session is back at the end of the transcript above.');
    clearHash();
  };

  const live = usePermalinkRestore({
    id: trace.id,
    keys: ['c', 't'],
    unknownKey: () => 'it sets a field this session does not have',
    setNotice,
    restore: (f) => {
      const lines = decodeCommands(f.get('c') ?? '');
      if (lines === null) return `its commands are malformed (a link holds up to ${MAX_COMMANDS} lines of up to ${MAX_LINE} characters)`;
      const t = f.get('t');
      const claimed = t === undefined ? undefined : decodePosition(t);
      if (claimed === null) return 'its time-travel position is malformed';
      void runLines(lines, false, claimed);
      return null;
    },
  });

  if (control) control.run = (lines) => { if (live && !busy) void runLines(lines, true); };

  const submit = (e: Event) => {
    e.preventDefault();
    if (busy || input.trim() === '') return;
    if (input.length > MAX_LINE) {
      setNotice(`This command is ${input.length} characters long; the prompt takes at most ${MAX_LINE}. Split it at its semicolons.`);
      return;
    }
    const line = input;
    setNotice('');
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
    <section class="live-widget kd-session" aria-labelledby={titleId} data-live-widget data-pagefind-ignore data-widget-id={trace.id}>
      <h3 id={titleId} class="visually-hidden" data-pagefind-ignore>kd session {trace.id}: {trace.transcript.map((t) => t.command).join('; ').slice(0, 80)}</h3>
      {!screenCleared && trace.transcript.length > 0 && <TranscriptView trace={trace} />}
      {entries.length > 0 && (
        <pre class="kd-transcript kd-live" aria-label="Your commands and kd's answers" tabIndex={0} ref={liveRef} data-pagefind-ignore>
          <code>
            {scrolledOut > 0 ? <span class="kd-note">{`(${scrolledOut} earlier entr${scrolledOut === 1 ? 'y' : 'ies'} scrolled out; .cls clears the window, Reset starts over)\n`}</span> : null}
            {entries.map((t, i) => (t.note ? (
              <span key={i} class="kd-note">{t.output + '\n'}</span>
            ) : (
              <span key={i} class="kd-entry">
                <span class="kd-prompt">0: kd&gt; </span><span class="kd-command">{t.command}</span>{'\n'}
                {t.output ? <span class="kd-output">{t.output + '\n'}</span> : null}
              </span>
            )))}
          </code>
        </pre>
      )}
      {/* Rendered by the build too (disabled until the page's scripts run), so that hydration
          does not push the page down. */}
      <form class="kd-prompt-form" onSubmit={submit} data-pagefind-ignore>
        <label for={inputId} class="kd-prompt">0: kd&gt;</label>
        <input
          id={inputId}
          class="kd-input"
          type="text"
          autocomplete="off"
          spellcheck={false}
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
      <div class="widget-controls kd-session-controls">
        <button type="button" class="widget-button" onClick={reset} disabled={!live || busy || (entries.length === 0 && typed.length === 0)}>Reset</button>
        <CopyLink hash={link.hash} live={live} dropped={link.dropped ? `It holds your first ${typed.length - link.dropped} commands, not the last ${link.dropped}.` : undefined} />
      </div>
      <WidgetStatus notice={notice} announce={announce} />
    </section>
  );
}
