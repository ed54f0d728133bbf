// BreakpointLab: a kd listing whose rows take breakpoints (click, or F9 on a row), then Go (F5):
// the emulator boots, kd sets the breakpoints and runs, and the page shows what kd printed —
// `Breakpoint 0 hit`, or the bug check with the processor's causal chain. Without JavaScript the
// listing and the runs the build made (each checked against its claim) are there to read.
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import type { Trace } from '../emulator/src/scenario/trace.ts';
import EventChain from './EventChain.tsx';
import { MITIGATIONS, parseProp, type LabData, type LabRow, type MitigationName } from './lib/widget-data.ts';
import { EMULATOR_VERSION, loadEmulator } from './lib/load.ts';
import { hexList, setHash, writeHash } from './lib/permalink.ts';
import { usePermalinkRestore } from './lib/permalink-restore.ts';
import { emulatorAction } from './lib/emulator-action.ts';
import { TranscriptView, outcomeSentence } from './Transcript.tsx';
import { WidgetStatus } from './WidgetStatus.tsx';
import './widgets.css';

export default function BreakpointLab(props: { lab: string }) {
  const parsed = parseProp<LabData>(props.lab, 'breakpoint lab');
  if (!parsed.ok) return <p class="widget-error" role="alert">{parsed.message}</p>;
  return <Lab data={parsed.value} />;
}

const idle = (f: () => void): void => {
  if (typeof requestIdleCallback === 'function') requestIdleCallback(f, { timeout: 2000 });
  else setTimeout(f, 200);
};

/** In idle time: loads the emulator, boots one machine with the lab's options (labBoot keeps it,
 *  so the first Go restores its snapshot instead of booting), then makes one unseen run with a
 *  breakpoint on the first row, so the processor's hot paths are compiled before the reader's
 *  first Go. The run's trace is dropped; the next run starts from the boot snapshot again. A
 *  failure here is reported by Go itself. */
function preboot(data: LabData): void {
  idle(() => {
    loadEmulator().then((emu) => idle(() => {
      emu.labBoot(data.options);
      const first = data.rows[0];
      idle(() => { emu.runScenarioWith({ id: data.id, options: data.options, commands: first ? [`bp ${first.label}`, 'g'] : ['g'], ...(data.budget ? { budget: data.budget } : {}) }, emu.labBoot); });
    }), () => undefined);
  });
}

function offsetLabel(r: LabRow): string {
  return `+${r.offset.toString(16).toUpperCase().padStart(2, '0')}h`;
}

function Lab({ data }: { data: LabData }) {
  const [bps, setBps] = useState<number[]>([]);
  const [echo, setEcho] = useState<string[]>([]);
  const [result, setResult] = useState<Trace | null>(null);
  const [busy, setBusy] = useState(false);
  const [notice, setNotice] = useState('');
  const [announce, setAnnounce] = useState('');
  /** Mitigations the reader switched away from the chapter's machine. */
  const [machine, setMachine] = useState<Partial<Record<MitigationName, boolean>>>({});
  const root = useRef<HTMLElement>(null);
  const optionsNow = () => ({ ...data.options, ...machine });
  const machineField = (m: Partial<Record<MitigationName, boolean>>): Array<[string, string]> => {
    const parts = Object.entries(m).map(([k, v]) => `${k.toLowerCase()}:${v ? 1 : 0}`);
    return parts.length ? [['o', parts.join(',')]] : [];
  };

  const toggle = (row: LabRow) => {
    const on = bps.includes(row.offset);
    const next = on ? bps.filter((o) => o !== row.offset) : [...bps, row.offset].sort((a, b) => a - b);
    setBps(next);
    // kd numbers breakpoints from 0 in the order they are set; `bc` clears by number.
    setEcho((e) => [...e, on ? `bc ${bps.indexOf(row.offset)}` : `bp ${row.label}`].slice(-8));
    setResult(null);
    setHash(writeHash(data.id, [['bp', next.map((o) => o.toString(16)).join(',')], ...machineField(machine), ['v', EMULATOR_VERSION]]));
  };

  const switchMitigation = (name: MitigationName, on: boolean) => {
    const next = { ...machine };
    if (on === !!data.options[name] && data.options[name] !== undefined) delete next[name];
    else next[name] = on;
    setMachine(next);
    setResult(null);
    // Not a kd command: a comment line (kd ignores lines starting with `*`) says what changed.
    setEcho((e) => [...e, `* ${MITIGATIONS[name].label} ${on ? 'on' : 'off'}: the next run boots with it`].slice(-8));
    setHash(writeHash(data.id, [['bp', bps.map((o) => o.toString(16)).join(',')], ...machineField(next), ['v', EMULATOR_VERSION]]));
  };

  const go = async (offsets = bps, fromLink = false, options = optionsNow()) => {
    if (busy) return;
    // Click -> outcome on screen (measured when the result is in the DOM), for `npm run bench:web`.
    performance.mark('bp-lab-click');
    setAnnounce('Running\u2026');
    await emulatorAction(setBusy, setNotice, async () => {
      const emu = await loadEmulator();
      const rows = offsets.map((o) => data.rows.find((r) => r.offset === o)!).filter(Boolean);
      // Marks for the page benchmark: boot + kd commands + run, once the emulator is loaded.
      performance.mark('bp-lab-run-start');
      const trace = emu.runScenarioWith({ id: data.id, options, commands: [...rows.map((r) => `bp ${r.label}`), 'g'], ...(data.budget ? { budget: data.budget } : {}) }, emu.labBoot);
      performance.measure('bp-lab-run', 'bp-lab-run-start');
      setResult(trace);
      setEcho((e) => [...e, 'g'].slice(-8));
      setAnnounce(outcomeSentence(trace));
      if (!fromLink) setHash(writeHash(data.id, [['bp', offsets.map((o) => o.toString(16)).join(',')], ['go', '1'], ...machineField(machine), ['v', EMULATOR_VERSION]]));
    });
  };

  useLayoutEffect(() => {
    if (result && performance.getEntriesByName('bp-lab-click', 'mark').length) {
      performance.measure('bp-lab-click-to-outcome', { start: 'bp-lab-click', detail: { id: data.id } });
      performance.clearMarks('bp-lab-click');
    }
  }, [result]);

  // Once the lab is on screen and hydrated, load the emulator, boot and warm the chapter's machine
  // while the browser is idle, so the first Go costs a run, not a download and a boot.
  useEffect(() => preboot(data), []);

  const live = usePermalinkRestore({
    id: data.id,
    keys: ['bp', 'go', 'o'],
    unknownKey: (k) => `it sets "${k}", which this lab does not have`,
    fallback: ' The lab starts empty.',
    setNotice,
    restore: (f) => {
      const m = f.has('o') ? readMachine(f.get('o')!, data.toggles ?? []) : {};
      if (m === null) return 'its machine options are malformed or not offered here';
      const listed = hexList(f.get('bp') ?? '');
      if (!listed) return 'its breakpoint list is malformed';
      if (listed.some((o) => !data.rows.some((r) => r.offset === o))) return 'it names a breakpoint on no row of this listing';
      if (f.has('go') && f.get('go') !== '1') return 'its "go" value is malformed';
      const list = [...new Set(listed)].sort((a, b) => a - b);
      setBps(list);
      setMachine(m);
      setEcho(list.map((o) => `bp ${data.rows.find((r) => r.offset === o)!.label}`));
      if (f.get('go') === '1') void go(list, true, { ...data.options, ...m });
      return null;
    },
  });

  const onKey = (e: KeyboardEvent) => {
    if (e.key === 'F5') {
      e.preventDefault();
      void go();
    } else if (e.key === 'F9') {
      const t = e.target as HTMLElement | null;
      const offset = t?.dataset?.offset;
      if (offset !== undefined) {
        e.preventDefault();
        const row = data.rows.find((r) => r.offset === Number(offset));
        if (row) toggle(row);
      }
    }
  };

  const titleId = `${data.id}-title`;
  return (
    <section ref={root} class="live-widget bp-lab" aria-labelledby={titleId} data-live-widget data-widget-id={data.id} onKeyDown={onKey}>
      <header class="widget-head">
        <h3 id={titleId} class="widget-title">Breakpoint lab: <code>{data.symbol}</code></h3>
        {/* One text before and after hydration, so the hint keeps its height. */}
        <p class="widget-hint">Choose rows to put breakpoints on (click, or F9 on a row), then Go (F5). Each run boots the modeled machine afresh.</p>
      </header>
      <p class="kd-echo-line"><span class="kd-prompt">0: kd&gt; </span>{data.listingCommand}</p>
      <ol class="lab-listing" aria-label={`Instructions of ${data.symbol}`}>
        {data.rows.map((r) => {
          const on = bps.includes(r.offset);
          const content = (
            <>
              <span class={`bp-dot${on ? ' on' : ''}`} aria-hidden="true">{on ? '\u25cf' : '\u25cb'}</span>
              <span class="lab-offset">{offsetLabel(r)}</span>
              <code class="lab-line">{r.line}</code>
            </>
          );
          return (
            <li key={r.offset} class={`lab-row${on ? ' on' : ''}`}>
              {live ? (
                <button type="button" class="lab-toggle" aria-pressed={on} data-offset={String(r.offset)} aria-label={`Set breakpoint at ${r.label}`} onClick={() => toggle(r)}>
                  {content}
                </button>
              ) : (
                <span class="lab-toggle static">{content}</span>
              )}
            </li>
          );
        })}
      </ol>
      {/* The machine options and Go are rendered by the build too, disabled until the widget is
          live: the widget keeps its height when it hydrates, so the page does not move. */}
      {data.toggles && data.toggles.length > 0 && (
        <fieldset class="lab-machine">
          <legend>Machine (each run boots with these)</legend>
          {data.toggles.map((t) => {
            const on = machine[t] ?? !!data.options[t];
            const inputId = `${data.id}-${t}`;
            return (
              <span key={t} class="lab-toggle-option">
                <input id={inputId} type="checkbox" checked={on} disabled={!live} onChange={(e) => switchMitigation(t, (e.target as HTMLInputElement).checked)} />
                <label for={inputId}>{MITIGATIONS[t].label}</label>
                <span class="widget-note"> ({MITIGATIONS[t].detail})</span>
              </span>
            );
          })}
        </fieldset>
      )}
      <div class="widget-controls">
        <button type="button" class="widget-button primary" onClick={() => void go()} disabled={busy || !live} aria-label="Go (F5): boot, set the breakpoints, run">
          {busy ? 'Running\u2026' : 'Go (F5)'}
        </button>
        <span class="widget-note">
          {!live ? 'Interactive when JavaScript runs.'
            : bps.length === 0 ? 'No breakpoints set: the program runs to its end.' : `${bps.length} breakpoint${bps.length > 1 ? 's' : ''} set.`}
        </span>
      </div>
      <WidgetStatus echo={echo} notice={notice} announce={announce} />
      {result && (
        <div class="lab-result">
          <h4 class="widget-subtitle">Your run{Object.keys(machine).length ? ` (${Object.entries(machine).map(([k, v]) => `${MITIGATIONS[k as MitigationName].label} ${v ? 'on' : 'off'}`).join(', ')})` : ''}</h4>
          <TranscriptView trace={result} />
          {result.outcome.kind !== 'break' && <EventChain events={result.events} assumed={data.assumed} />}
        </div>
      )}
      {data.runs.length > 0 && (
        <div class="lab-precomputed">
          <h4 class="widget-subtitle">Computed when this page was built</h4>
          {data.runs.map((run, i) => (
            <figure key={i} class="lab-run">
              <figcaption>Breakpoint at <code>{run.breakpoints.join(', ')}</code>: {outcomeSentence(run.trace)} <span class="claim-note">(checked claim: {run.claim})</span></figcaption>
              <TranscriptView trace={run.trace} />
              {run.trace.outcome.kind !== 'break' && <EventChain events={run.trace.events} assumed={data.assumed} />}
            </figure>
          ))}
        </div>
      )}
    </section>
  );
}

/** `smap:1,kvashadow:0` -> { smap: true, kvaShadow: false }, only for offered toggles; else null. */
function readMachine(value: string, offered: MitigationName[]): Partial<Record<MitigationName, boolean>> | null {
  const out: Partial<Record<MitigationName, boolean>> = {};
  for (const part of value.split(',')) {
    const m = /^([a-z]{4,11}):([01])$/.exec(part);
    const name = m ? offered.find((o) => o.toLowerCase() === m[1]) : undefined;
    if (!m || !name || name in out) return null;
    out[name] = m[2] === '1';
  }
  return out;
}
