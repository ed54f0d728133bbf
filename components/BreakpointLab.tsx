// BreakpointLab: a kd listing whose rows take breakpoints (click, or F9 on a row), then Go (F5):
// the emulator boots, kd runs the lab's command list (the `bp`/`bc` lines the clicks made, shown
// as they are typed, see lab-commands.ts) and `g`, and the page shows what kd printed —
// `Breakpoint N hit`, or the bug check with the processor's causal chain. Without JavaScript the
// listing and the runs the build made (each checked against its claim) are there to read.
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import type { Trace } from '../emulator/src/scenario/trace.ts';
import EventChain from './EventChain.tsx';
import { MITIGATIONS, parseProp, type LabData, type LabListing, type LabRow, type MitigationName } from './lib/widget-data.ts';
import { EMULATOR_VERSION, loadEmulator } from './lib/load.ts';
import { hexList, setHash, writeHash } from './lib/permalink.ts';
import { usePermalinkRestore } from './lib/permalink-restore.ts';
import { emulatorAction } from './lib/emulator-action.ts';
import { labCommands } from './lib/lab-commands.ts';
import { nextTask } from './lib/next-task.ts';
import { TranscriptView, outcomeSentence } from './Transcript.tsx';
import { WidgetStatus } from './WidgetStatus.tsx';
import { CopyLink } from './CopyLink.tsx';
import { idle } from './lib/idle.ts';
import './widgets.css';

/** Clicks a lab keeps (and a link carries); Clear starts over. */
const MAX_CLICKS = 64;

export default function BreakpointLab(props: { lab: string }) {
  const parsed = parseProp<LabData>(props.lab, 'breakpoint lab');
  if (!parsed.ok) return <p class="widget-error" role="alert">{parsed.message}</p>;
  return <Lab data={parsed.value} />;
}


/** In idle time: loads the emulator, boots one machine with the lab's options (labBoot keeps it,
 *  so the first Go restores its snapshot instead of booting), then makes one unseen run with a
 *  breakpoint on the first row, so the processor's hot paths are compiled before the reader's
 *  first Go. The run's trace is dropped; the next run starts from the boot snapshot again. Skipped
 *  once the reader has pressed Go (a run in progress owns the recycled machine). A failure here
 *  is reported by Go itself. */
/** The warm-up run in progress, if any: a reader's Go waits for it before reusing the machine. */
let warming: Promise<void> = Promise.resolve();

/** A lab run is `bp`/`bc` lines and `g`: kd's core families, so kd's other families never load. */
const LAB_RUN = { yield: nextTask, commandSet: 'core' as const };

function preboot(data: LabData, started: { current: boolean }): void {
  idle(() => {
    loadEmulator().then((emu) => idle(() => {
      if (started.current) return;
      emu.labBoot(data.options);
      const first = data.rows[0];
      idle(() => {
        if (started.current) return;
        // Sliced like a reader's run; a Go pressed meanwhile waits for it (the machine is shared).
        warming = emu.traceSessionAsync({ id: data.id, options: data.options, commands: first ? [`bp ${first.label}`, 'g'] : ['g'], ...(data.budget ? { budget: data.budget } : {}) },
          emu.openSession({ options: data.options, ...(data.budget ? { budget: data.budget } : {}) }, emu.labBoot), LAB_RUN).then(() => undefined, () => undefined);
      });
    }), () => undefined);
  });
}

function offsetLabel(r: LabRow): string {
  return `+${r.offset.toString(16).toUpperCase().padStart(2, '0')}h`;
}

/** A `u` line split so that a narrow screen can wrap it between its parts, never inside the
 *  instruction: address, bytes (with kd's padding), instruction. */
function lineParts(r: LabRow): [string, string, string] {
  const m = /^(\S+) (\S+\s+)(.*)$/.exec(r.line);
  return m ? [m[1], m[2], m[3]] : ['', '', r.line];
}

type Machine = Partial<Record<MitigationName, boolean>>;

function Lab({ data }: { data: LabData }) {
  const [clicks, setClicks] = useState<number[]>([]);
  const [result, setResult] = useState<Trace | null>(null);
  /** The command list the shown result ran (then `g`). */
  const [ran, setRan] = useState<string[] | null>(null);
  const [busy, setBusy] = useState(false);
  const [notice, setNotice] = useState('');
  const [announce, setAnnounce] = useState('');
  /** Mitigations the reader switched away from the chapter's machine. */
  const [machine, setMachine] = useState<Machine>({});
  const started = useRef(false);
  const optionsFor = (m: Machine) => ({ ...data.options, ...m });
  const listingFor = (m: Machine): LabListing => (optionsFor(m).kvaShadow && data.shadow ? data.shadow : data);
  const listing = listingFor(machine);
  const labelOf = (l: LabListing) => (o: number) => l.rows.find((r) => r.offset === o)?.label ?? `${l.symbol}+0x${o.toString(16)}`;
  const { commands, ids } = labCommands(clicks, labelOf(listing));

  const machineField = (m: Machine): Array<[string, string]> => {
    const parts = Object.entries(m).map(([k, v]) => `${k.toLowerCase()}:${v ? 1 : 0}`);
    return parts.length ? [['o', parts.join(',')]] : [];
  };
  const hashOf = (c: number[], m: Machine, go: boolean) =>
    writeHash(data.id, [['bp', c.map((o) => o.toString(16)).join(',')], ...(go ? [['go', '1'] as [string, string]] : []), ...machineField(m), ['v', EMULATOR_VERSION]]);
  const [hash, setLinkHash] = useState(() => hashOf([], {}, false));
  const publish = (h: string) => {
    setLinkHash(h);
    setHash(h);
  };

  const toggle = (row: LabRow) => {
    if (busy) return;
    if (clicks.length >= MAX_CLICKS) {
      setNotice(`The lab keeps ${MAX_CLICKS} clicks (its command list and its link hold no more); Clear starts over.`);
      return;
    }
    const next = [...clicks, row.offset];
    setClicks(next);
    setResult(null);
    setRan(null);
    publish(hashOf(next, machine, false));
  };

  const clear = () => {
    setClicks([]);
    setResult(null);
    setRan(null);
    setNotice('');
    publish(hashOf([], machine, false));
  };

  const switchMitigation = (name: MitigationName, on: boolean) => {
    const next = { ...machine };
    if (on === !!data.options[name] && data.options[name] !== undefined) delete next[name];
    else next[name] = on;
    // Another listing (the KVA-shadow entry) means other rows: the breakpoints start over.
    const relisted = listingFor(next) !== listingFor(machine);
    const c = relisted ? [] : clicks;
    setMachine(next);
    setClicks(c);
    setResult(null);
    setRan(null);
    setNotice(relisted ? `${MITIGATIONS[name].label} ${on ? 'on' : 'off'}: the listing is now ${listingFor(next).symbol}'s, and its breakpoints start empty.` : '');
    publish(hashOf(c, next, false));
  };

  const go = async (c = clicks, m = machine, fromLink = false) => {
    if (busy) return;
    started.current = true;
    const l = listingFor(m);
    const list = labCommands(c, labelOf(l)).commands;
    // Click -> outcome on screen (measured when the result is in the DOM), for `npm run bench:web`.
    performance.mark('bp-lab-click');
    setAnnounce('Running\u2026');
    await emulatorAction(setBusy, setNotice, async () => {
      const emu = await loadEmulator();
      await warming;
      // Marks for the page benchmark: boot + kd commands + run, once the emulator is loaded.
      performance.mark('bp-lab-run-start');
      // Exactly the echoed list, then `g`, sliced so that a run to the budget never blocks the page.
      // Boot and run in tasks of their own, not in the click's task.
      await nextTask();
      const session = emu.openSession({ options: optionsFor(m), ...(data.budget ? { budget: data.budget } : {}) }, emu.labBoot);
      await nextTask();
      const trace = await emu.traceSessionAsync({ id: data.id, options: optionsFor(m), commands: [...list, 'g'], ...(data.budget ? { budget: data.budget } : {}) }, session, LAB_RUN);
      performance.measure('bp-lab-run', 'bp-lab-run-start');
      setResult(trace);
      setRan(list);
      setAnnounce(outcomeSentence(trace));
      if (!fromLink) publish(hashOf(c, m, true));
      else setLinkHash(hashOf(c, m, true));
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
  useEffect(() => preboot(data, started), []);

  const live = usePermalinkRestore({
    id: data.id,
    keys: ['bp', 'go', 'o'],
    unknownKey: (k) => `it sets "${k}", which this lab does not have`,
    fallback: ' The lab starts empty.',
    setNotice,
    restore: (f) => {
      const m = f.has('o') ? readMachine(f.get('o')!, data.toggles ?? []) : {};
      if (m === null) return 'its machine options are malformed or not offered here';
      const listed = hexList(f.get('bp') ?? '', MAX_CLICKS);
      if (!listed) return 'its breakpoint list is malformed';
      const l = listingFor(m);
      if (listed.some((o) => !l.rows.some((r) => r.offset === o))) return 'it names a breakpoint on no row of this listing';
      if (f.has('go') && f.get('go') !== '1') return 'its "go" value is malformed';
      setClicks(listed);
      setMachine(m);
      setLinkHash(hashOf(listed, m, f.get('go') === '1'));
      if (f.get('go') === '1') void go(listed, m, true);
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
        const row = listing.rows.find((r) => r.offset === Number(offset));
        if (row) toggle(row);
      }
    }
  };

  const titleId = `${data.id}-title`;
  const shadowOn = !!optionsFor(machine).kvaShadow && !data.shadow && !data.options.kvaShadow;
  const echo = ran && ran.length === commands.length && ran.every((c, i) => c === commands[i]) ? [...commands, 'g'] : commands;
  return (
    <section class="live-widget bp-lab" aria-labelledby={titleId} data-live-widget data-pagefind-ignore data-widget-id={data.id} onKeyDown={onKey}>
      <header class="widget-head">
        <h3 id={titleId} class="widget-title">Breakpoint lab: <code>{listing.symbol}</code></h3>
        {/* One text before and after hydration, so the hint keeps its height. */}
        <p class="widget-hint">Choose rows to put breakpoints on (click, or F9 on a row), then Go (F5). Each run boots the modeled machine afresh and sends kd the commands shown under the listing.</p>
      </header>
      <p class="kd-echo-line" data-pagefind-ignore><span class="kd-prompt">0: kd&gt; </span>{listing.listingCommand}</p>
      <ol class="lab-listing" aria-label={`Instructions of ${listing.symbol}`} data-pagefind-ignore>
        {listing.rows.map((r) => {
          const id = ids.get(r.offset);
          const on = id !== undefined;
          const [addr, bytes, ins] = lineParts(r);
          const content = (
            <>
              <span class={`bp-dot${on ? ' on' : ''}`} aria-hidden="true">{on ? '\u25cf' : '\u25cb'}</span>
              <span class="lab-offset">{offsetLabel(r)}</span>
              <code class="lab-line"><span class="lab-addr">{addr}</span> <span class="lab-bytes">{bytes}</span><span class="lab-ins">{ins}</span></code>
              {on ? <span class="lab-bp-id">bp {id}</span> : null}
            </>
          );
          return (
            <li key={`${listing.symbol}${r.offset}`} class={`lab-row${on ? ' on' : ''}`}>
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
              // The whole row is the label: one touch target of the row's height.
              <label key={t} class="lab-toggle-option" for={inputId}>
                <input id={inputId} type="checkbox" checked={on} disabled={!live || busy} onChange={(e) => switchMitigation(t, (e.target as HTMLInputElement).checked)} />
                <span class="lab-toggle-name">{MITIGATIONS[t].label}</span>
                <span class="widget-note"> ({MITIGATIONS[t].detail})</span>
              </label>
            );
          })}
          {shadowOn && <p class="widget-note">With KVA shadow, IA32_LSTAR names the shadow entry, so system calls never run these rows: a run ends at a breakpoint elsewhere, or at kd's instruction budget.</p>}
          {listing !== data && <p class="widget-note">With KVA shadow, IA32_LSTAR names <code>{listing.symbol}</code>: system calls enter there, so the lab lists its rows instead of <code>{data.symbol}</code>'s.</p>}
        </fieldset>
      )}
      <div class="widget-controls">
        <button type="button" class="widget-button primary" onClick={() => void go()} disabled={busy || !live} aria-label="Go (F5): boot, send the commands, run">
          {busy ? 'Running\u2026' : 'Go (F5)'}
        </button>
        <button type="button" class="widget-button" onClick={clear} disabled={busy || !live || clicks.length === 0}>Clear</button>
        <CopyLink hash={hash} live={live} />
        <span class="widget-note lab-count">
          {!live ? 'Interactive when JavaScript runs.'
            : ids.size === 0 ? 'No breakpoints: Go runs until something stops the machine.'
            : `${ids.size} breakpoint${ids.size > 1 ? 's' : ''} set.`}
        </span>
      </div>
      <WidgetStatus echo={echo} echoLabel="The kd commands each Go sends to a freshly booted machine" notice={notice} announce={announce} />
      {result && (
        <div class="lab-result">
          <h4 class="widget-subtitle">Your run{Object.keys(machine).length ? ` (${Object.entries(machine).map(([k, v]) => `${MITIGATIONS[k as MitigationName].label} ${v ? 'on' : 'off'}`).join(', ')})` : ''}: {outcomeSentence(result)}</h4>
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
function readMachine(value: string, offered: MitigationName[]): Machine | null {
  const out: Machine = {};
  for (const part of value.split(',')) {
    const m = /^([a-z]{4,11}):([01])$/.exec(part);
    const name = m ? offered.find((o) => o.toLowerCase() === m[1]) : undefined;
    if (!m || !name || name in out) return null;
    out[name] = m[2] === '1';
  }
  return out;
}
