// ```windbg map fn=nt!KiSystemCall64 [L=<n>] [options] [vary=smep,smap] [lab=<lab id>] [id=name]
//    [claim+15h="break 0 at nt!KiSystemCall64+0x15"] [claim+3@smap="bugcheck 0x7f"]
// ```
// A breakpoint map (kd's `!bpmap`): every instruction from `fn` to its first call or return, or a
// jump out of the routine (or `L` instructions), each run as `bp <row>`, `g` on a freshly booted machine: the block's
// machine (its options) and that machine with each option of `vary` flipped (default: every option
// the boot offers but those marked inMaps: false). `claim+<offset>` claims a cell of the first column, `claim+<offset>@<option>`
// one of the column that flips that option; each claim is run again as a plain scenario, checked,
// and compared with the map's cell (they must agree, or the build fails). `lab=` names the
// chapter's breakpoint lab (a block before this one) so that a run can also open there.

import { checkClaim, describeClaim, parseClaim, type Claim } from '../../emulator/src/scenario/claims.ts';
import { runScenarioWith, EMULATOR_VERSION, type BootKernel } from '../../emulator/src/scenario/run.ts';
import type { Trace } from '../../emulator/src/scenario/trace.ts';
import { computeBreakpointMap, instructionText, mapMachines, MAP_OPTION_NAMES, type BreakpointMap, type MapCell } from '../../emulator/src/debugger/bpmap.ts';
import { MACHINE_OPTION_NAMES, type MachineOptionName } from '../../emulator/src/windows/options.ts';
import type { ScenarioOptions } from '../../emulator/src/scenario/trace.ts';
import type { BpMapData } from '../../components/lib/bpmap-data.ts';
import { cachedBreakpointMap } from './bpmap-cache.ts';

export interface LabInfo { symbol: string; offsets: number[]; toggles: string[] }

export interface MapBlockInput {
  where: string;
  id: string;
  meta: Map<string, string>;
  options: ScenarioOptions;
  boot: BootKernel;
  /** Use the build cache (false when a test passes its own kernel). */
  cache: boolean;
  /** Labs of the chapter seen so far, by id. */
  labs: Map<string, LabInfo>;
  fail: (message: string) => never;
}

/** Does kd's plain run of a cell say what the map's cell says? */
export function cellMatches(cell: MapCell, address: string, t: Trace): boolean {
  const g = t.transcript[t.transcript.length - 1]?.output ?? '';
  if ((g.split('\n').find((l) => l.trim() !== '') ?? '') !== cell.reported) return false;
  const o = t.outcome;
  switch (cell.outcome) {
    case 'hit': case 'hit-user-state': return o.kind === 'break' && o.breakpoint === 0 && o.address === address;
    case 'bugcheck': return o.kind === 'bugcheck' && o.code === cell.code && JSON.stringify(o.args) === JSON.stringify(cell.args);
    case 'triple-fault': return o.kind === 'triple-fault';
    case 'hang': case 'not-reached': return o.kind === 'budget' || o.kind === 'exited';
    default: return true;
  }
}

export function mapBlock(input: MapBlockInput): BpMapData {
  const { where, meta, fail } = input;
  const fn = meta.get('fn');
  if (!fn) fail('a map block needs fn=<address> (a kd expression such as nt!KiSystemCall64).');
  const countText = meta.get('L');
  const count = countText === undefined ? undefined : Number.parseInt(countText, 16);
  if (countText !== undefined && !(count! >= 1 && count! <= 0x100 && /^[0-9a-f]+$/i.test(countText))) fail(`L=${countText} should be a row count from 1 to 100 (hex).`);
  const vary = (meta.get('vary') ?? MAP_OPTION_NAMES.join(',')).split(',').map((v) => v.trim()).filter(Boolean);
  for (const v of vary) if (!(MACHINE_OPTION_NAMES as readonly string[]).includes(v)) fail(`vary: "${v}" is not a machine option (${MACHINE_OPTION_NAMES.join(', ')}).`);
  const req = { start: fn!, count, base: input.options, vary: vary as MachineOptionName[] };
  let map: BreakpointMap;
  try {
    map = input.cache ? cachedBreakpointMap(req, input.boot) : computeBreakpointMap({ ...req, boot: input.boot }, input.boot);
  } catch (e) {
    fail(`the breakpoint map could not be computed: ${e instanceof Error ? e.message : String(e)}`);
  }
  const machines = mapMachines(input.options, req.vary);

  const claims: BpMapData['claims'] = [];
  for (const [key, text] of meta) {
    if (!key.startsWith('claim')) continue;
    const m = /^claim\+(?:0x)?([0-9a-f]+)h?(?:@(\w+))?$/i.exec(key);
    if (!m) fail(`"${key}" should name a row offset and optionally a flipped option: claim+15h="...", claim+3@smap="...".`);
    const offset = parseInt(m![1], 16);
    const row = map!.rows.find((r) => r.offset === offset);
    if (!row) fail(`"${key}": no row of the map starts at +0x${offset.toString(16)} (rows: ${map!.rows.map((r) => '+' + r.offset.toString(16)).join(', ')}).`);
    const column = m![2] === undefined ? 0 : 1 + req.vary.indexOf(m![2] as MachineOptionName);
    if (column < 0 || (m![2] !== undefined && column === 0)) fail(`"${key}": "${m![2]}" is not an option this map flips (${req.vary.join(', ')}).`);
    let claim: Claim;
    try {
      claim = parseClaim(text);
    } catch (e) {
      fail(e instanceof Error ? e.message : String(e));
    }
    const machine = machines[column];
    const trace = runScenarioWith({ id: `${input.id}-${offset.toString(16)}-${column}`, options: machine.options, commands: [`bp ${row!.label}`, 'g'], budget: map!.budget, claim: claim! }, input.boot);
    const r = checkClaim(trace, claim!);
    if (!r.ok) fail(`the claim of this windbg map block is contradicted by the emulator (${machine.label}).\n${r.message}`);
    if (!cellMatches(row!.cells[column], row!.address, trace)) {
      fail(`the map's cell for ${row!.label} on ${machine.label} (${row!.cells[column].outcome}: ${row!.cells[column].reported}) differs from a plain run of the same commands (${trace.outcome.kind}).`);
    }
    claims.push({ offset, machine: column, claim: describeClaim(claim!) });
  }

  const labId = meta.get('lab');
  let lab: BpMapData['lab'];
  if (labId) {
    const info = input.labs.get(labId);
    if (!info) fail(`lab=${labId} names no breakpoint lab before this map in the chapter.`);
    if (info!.symbol !== map!.symbol) fail(`lab=${labId} lists ${info!.symbol}, this map ${map!.symbol}.`);
    lab = { id: labId, offsets: info!.offsets, toggles: info!.toggles };
  }
  void where;
  return {
    id: input.id, version: EMULATOR_VERSION, symbol: map!.symbol, machines: map!.machines, budget: map!.budget, runs: map!.runs,
    rows: map!.rows.map((r) => ({ offset: r.offset, label: r.label, ...(r.symbol ? { symbol: r.symbol } : {}), text: instructionText(r.line), cells: r.cells.map(slimCell) })),
    claims, ...(lab ? { lab } : {}),
  };
}

/** What the page needs of a cell (the rsp/GS base stay in kd's JSON). */
function slimCell(c: MapCell): MapCell {
  return { outcome: c.outcome, reported: c.reported, ...(c.code !== undefined ? { code: c.code } : {}) };
}
