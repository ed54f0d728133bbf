// BreakpointMap: the instructions of an entry path with, beside each, what a breakpoint there does
// on each machine (kd's `!bpmap`, computed when the page was built: `bp <row>`, `g`, fresh boot).
// Each cell carries a mark and a word, so the map reads without colour and in print; each is a
// link to its run. Live, choosing a cell runs that breakpoint again on the emulator and shows what
// kd printed (and, when the chapter's lab has that row, a link that opens it there).
import { useState } from 'preact/hooks';
import type { Trace } from '../emulator/src/scenario/trace.ts';
import EventChain from './EventChain.tsx';
import { parseProp } from './lib/widget-data.ts';
import { OUTCOME_MARK, cellDescription, cellLabel, offsetText, type BpMapData, type BpMapRow, type MapOutcome } from './lib/bpmap-data.ts';
import { EMULATOR_VERSION, loadEmulator } from './lib/load.ts';
import { hexList, setHash, writeHash } from './lib/permalink.ts';
import { usePermalinkRestore } from './lib/permalink-restore.ts';
import { emulatorAction } from './lib/emulator-action.ts';
import { TranscriptView, outcomeSentence } from './Transcript.tsx';
import { WidgetStatus } from './WidgetStatus.tsx';
import './widgets.css';
import './bpmap.css';

export default function BreakpointMap(props: { map: string }) {
  const parsed = parseProp<BpMapData>(props.map, 'breakpoint map');
  if (!parsed.ok) return <p class="widget-error" role="alert">{parsed.message}</p>;
  return <MapView data={parsed.value} />;
}

const LEGEND_ORDER: MapOutcome[] = ['hit', 'hit-user-state', 'bugcheck', 'triple-fault', 'hang', 'not-reached', 'other'];

/** The map's own permalink for one cell: `#w=<id>&r=<offset hex>&m=<machine>&go=1&v=<version>`. */
function cellHash(id: string, offset: number, machine: number): string {
  return writeHash(id, [['r', offset.toString(16)], ['m', String(machine)], ['go', '1'], ['v', EMULATOR_VERSION]]);
}

/** The chapter's lab permalink for the same run, when the lab has the row and the machine. */
function labHash(data: BpMapData, row: BpMapRow, machine: number): string | null {
  const lab = data.lab;
  const m = data.machines[machine];
  if (!lab || !lab.offsets.includes(row.offset)) return null;
  const opts = Object.entries(m.options);
  if (opts.some(([k]) => !lab.toggles.includes(k))) return null;
  const o = opts.map(([k, v]) => `${k.toLowerCase()}:${v ? 1 : 0}`).join(',');
  return writeHash(lab.id, [['bp', row.offset.toString(16)], ['go', '1'], ...(o ? [['o', o] as [string, string]] : []), ['v', EMULATOR_VERSION]]);
}

function MapView({ data }: { data: BpMapData }) {
  const [run, setRun] = useState<{ row: BpMapRow; machine: number; trace: Trace } | null>(null);
  const [busy, setBusy] = useState(false);
  const [notice, setNotice] = useState('');
  const [announce, setAnnounce] = useState('');
  const [echo, setEcho] = useState<string[]>([]);

  const open = async (row: BpMapRow, machine: number, fromLink = false) => {
    if (busy) return;
    setAnnounce('Running\u2026');
    await emulatorAction(setBusy, setNotice, async () => {
      const emu = await loadEmulator();
      const m = data.machines[machine];
      const commands = [`bp ${row.label}`, 'g'];
      const trace = emu.runScenarioWith({ id: `${data.id}-${row.offset.toString(16)}-${machine}`, options: m.options, commands, budget: data.budget }, emu.labBoot);
      setRun({ row, machine, trace });
      setEcho([`* ${m.label}: a freshly booted machine`, ...commands]);
      setAnnounce(`${offsetText(row.offset)}, ${m.label}: ${outcomeSentence(trace)}`);
      if (!fromLink) setHash(cellHash(data.id, row.offset, machine));
    });
  };

  const live = usePermalinkRestore({
    id: data.id,
    keys: ['r', 'm', 'go'],
    unknownKey: (k) => `it sets "${k}", which this map does not have`,
    fallback: ' The map shows the build\u2019s runs.',
    setNotice,
    restore: (f) => {
      const r = hexList(f.get('r') ?? '', 1);
      const m = Number(f.get('m'));
      const row = r && r.length === 1 ? data.rows.find((x) => x.offset === r[0]) : undefined;
      if (!row) return 'it names no row of this map';
      if (!Number.isInteger(m) || !/^\d+$/.test(f.get('m') ?? '') || m >= data.machines.length) return 'it names no machine of this map';
      if (f.get('go') !== '1') return 'its "go" value is malformed';
      void open(row, m, true);
      return null;
    },
  });

  const titleId = `${data.id}-title`;
  const cols = data.machines.length + 2;
  const claimed = (row: BpMapRow, machine: number) => data.claims.find((c) => c.offset === row.offset && c.machine === machine);
  const safe = data.machines.map((_, i) => data.rows.filter((r) => r.cells[i].outcome === 'hit').length);
  const present = new Set(data.rows.flatMap((r) => r.cells.map((c) => c.outcome)));
  return (
    <section class="live-widget bp-map" aria-labelledby={titleId} data-live-widget data-widget-id={data.id}>
      <header class="widget-head">
        <h3 id={titleId} class="widget-title">Breakpoint map: <code>{data.symbol}</code></h3>
        <p class="widget-hint">
          Beside each instruction, what <code>bp</code> on it then <code>g</code> did on a freshly booted machine, one column
          per machine: {data.rows.length} instructions &times; {data.machines.length} machines = {data.runs} runs, computed by
          the emulator when this page was built (each run at most {data.budget.toLocaleString('en-US')} instructions). Choose a
          cell to run it again here.
        </p>
      </header>
      <ul class="bpmap-legend" aria-label="Legend">
        {LEGEND_ORDER.filter((k) => present.has(k) || k === 'hit').map((k) => (
          <li key={k} class={`o-${k}`}><span class="bpmap-mark" aria-hidden="true">{OUTCOME_MARK[k].mark}</span> <strong>{OUTCOME_MARK[k].label}</strong>: {OUTCOME_MARK[k].long}</li>
        ))}
        {data.claims.length > 0 && <li class="bpmap-claimed-note"><span aria-hidden="true">*</span> a cell the chapter claims; the build checked it against a plain kd run</li>}
      </ul>
      <div class="table-scroll bpmap-scroll" role="region" aria-label={`Map of ${data.symbol}, by instruction and machine`} tabIndex={0}>
        <table class="bpmap-table">
          <caption class="visually-hidden">What a breakpoint on each instruction of {data.symbol} does, per machine</caption>
          <thead>
            <tr>
              <th scope="col">Offset</th>
              {data.machines.map((m) => <th key={m.id} scope="col" class="bpmap-machine">{m.label}</th>)}
              <th scope="col">Instruction</th>
            </tr>
          </thead>
          <tbody>
            {data.rows.map((row) => [
              row.symbol ? <tr key={`${row.offset}-sym`} class="bpmap-symbol"><th scope="colgroup" colSpan={cols}><code>{row.symbol}:</code></th></tr> : null,
              <tr key={row.offset} class={run?.row.offset === row.offset ? 'bpmap-open' : undefined}>
                <th scope="row"><code>{offsetText(row.offset)}</code></th>
                {row.cells.map((c, i) => {
                  const m = data.machines[i];
                  const claim = claimed(row, i);
                  const desc = cellDescription(c, m) + (claim ? ` (claimed: ${claim.claim})` : '');
                  return (
                    <td key={m.id} class={`bpmap-cell o-${c.outcome}`}>
                      <a
                        href={cellHash(data.id, row.offset, i)}
                        title={desc}
                        aria-current={run && run.row.offset === row.offset && run.machine === i ? 'true' : undefined}
                        onClick={(e) => { if (live) { e.preventDefault(); void open(row, i); } }}
                      >
                        <span class="bpmap-mark" aria-hidden="true">{OUTCOME_MARK[c.outcome].mark}</span>
                        <span class="bpmap-word" aria-hidden="true"> {cellLabel(c)}</span>
                        {claim && <span class="bpmap-claimed" aria-hidden="true">*</span>}
                        <span class="visually-hidden">{desc}. Run bp {row.label} then g.</span>
                      </a>
                    </td>
                  );
                })}
                <td class="bpmap-ins"><code>{row.text}</code></td>
              </tr>,
            ])}
          </tbody>
          <tfoot>
            <tr>
              <th scope="row">Safe</th>
              {data.machines.map((m, i) => <td key={m.id}>{safe[i]} of {data.rows.length}<span class="visually-hidden"> rows are plain hits on {m.label}</span></td>)}
              <td>plain hits</td>
            </tr>
          </tfoot>
        </table>
      </div>
      <p class="widget-note">
        Also in a terminal: <code>npx kd --bpmap {data.symbol}</code>, or <code>!bpmap {data.symbol}</code> at kd's prompt
        (an extension command of this book, not of WinDbg).
        {!live && ' Runs open here when JavaScript runs.'}
      </p>
      <WidgetStatus echo={echo} notice={notice} announce={announce} />
      {run && (
        <div class="lab-result bpmap-run">
          <h4 class="widget-subtitle">Run: <code>{offsetText(run.row.offset)}</code> on {data.machines[run.machine].label}</h4>
          <p class="widget-note">
            {outcomeSentence(run.trace)} The build's run of this cell: {cellDescription(run.row.cells[run.machine], data.machines[run.machine])}.
            {(() => {
              const h = labHash(data, run.row, run.machine);
              return h ? <> <a href={h} onClick={() => document.querySelector(`[data-widget-id="${data.lab!.id}"]`)?.scrollIntoView()}>Open this run in the breakpoint lab</a>.</> : null;
            })()}
          </p>
          <TranscriptView trace={run.trace} />
          {run.trace.outcome.kind !== 'break' && <EventChain events={run.trace.events} assumed={data.assumed} />}
        </div>
      )}
    </section>
  );
}
