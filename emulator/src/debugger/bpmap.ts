// The breakpoint map: for every instruction of a run of code (by default from a function's first
// instruction to its first call or return, or a jump out of the code ahead), what `bp <instruction>` then `g` does on a
// freshly booted machine, under the machine's options and each option flipped. kd prints it as
// `!bpmap`, an extension command of this book (WinDbg has none of that name); the book's chapters
// show it as a margin beside the disassembly. Every cell is a kd run; nothing here decides an
// outcome, it only sorts what kd reported, plus the processor's rsp and GS base at the moment it
// reached the instruction (observed from outside, as a hardware debugger would, without stopping
// it), into one of a few kinds.

import { recyclingBoot, type BootKernel } from './boot-cache.ts';
import { addr64, hex16 } from './format.ts';
import { bootKernel, KdSession, runToEnd, type RunSteps } from './session.ts';
import { CaretError, PlainError } from './errors.ts';
import type { CommandContext } from './commands/command.ts';
import { pickMachineOptions } from '../windows/options.ts';
import type { KernelOptions } from './target.ts';
import { MACHINE_OPTIONS, resolveMachineOptions, type MachineOptionName, type MachineOption } from '../windows/options.ts';

/** Instructions one cell's `g` may run. In this many the modeled program makes more than 500
 *  system calls (one per ~90 instructions, measured), so an instruction of the entry path not
 *  reached by then is on a path the machine does not take; one reached but never reported by then
 *  is a hang. (kd's own default, 2,000,000, would make each unreached row cost 40 times more.) */
export const MAP_BUDGET = 50_000;
/** Most rows one map takes (a typo in `L` cannot ask for millions of runs). */
export const MAX_MAP_ROWS = 0x100;

export type MapOutcome = 'hit' | 'hit-user-state' | 'bugcheck' | 'triple-fault' | 'hang' | 'not-reached' | 'other';

/** What each kind means, in words (kd's legend, the page's legend and screen-reader text). */
export const OUTCOME_TEXT: Record<MapOutcome, { short: string; long: string }> = {
  'hit': { short: 'hit', long: 'breakpoint hit, with the kernel stack and the kernel GS base' },
  'hit-user-state': { short: 'user', long: "breakpoint hit, but the user's rsp or GS base was still live at the instruction" },
  'bugcheck': { short: 'bc', long: 'bug check (the code follows)' },
  'triple-fault': { short: 'triple', long: 'triple fault: the processor shut down, kd lost the target' },
  'hang': { short: 'hang', long: 'the instruction was reached, but kd heard nothing before the budget ran out' },
  'not-reached': { short: '-', long: 'the instruction was never reached within the budget' },
  'other': { short: '?', long: 'kd reported something else (see its line)' },
};

export interface MapMachine {
  /** `default`, or the options that differ from the build's defaults: `smap:1,kvashadow:1`. */
  id: string;
  /** `Defaults`, `SMAP on`, `KVA shadow on, SMEP off`. */
  label: string;
  options: KernelOptions;
}

export interface MapCell {
  outcome: MapOutcome;
  /** Bug-check code and arguments (16 hex digits each). */
  code?: number;
  args?: string[];
  /** kd's first line after `g`. */
  reported: string;
  /** rsp and GS base when the processor reached the instruction (16 hex digits), if it did. */
  reached?: { rsp: string; gsBase: string };
}

export interface MapRow {
  offset: number;
  /** 16 hex digits. */
  address: string;
  /** The breakpoint expression the row's runs use: `nt!KiSystemCall64+0x15`. */
  label: string;
  /** A symbol that starts at this instruction (kd's `u` prints it above the line). */
  symbol?: string;
  /** kd's `u` line for the instruction. */
  line: string;
  /** One per machine, in `machines` order. */
  cells: MapCell[];
}

export interface BreakpointMap {
  /** kd's name for the first instruction. */
  symbol: string;
  machines: MapMachine[];
  rows: MapRow[];
  budget: number;
  /** Runs made (rows x machines) and instructions they executed in all. */
  runs: number;
  instructions: number;
}

export interface MapRequest {
  /** Where the rows start (a kd expression: `nt!KiSystemCall64`). */
  start: string;
  /** Rows to take; by default up to and including the first call or return, or a jump that does
   *  not land further on in the same routine. */
  count?: number;
  /** The machine of the first column; the other columns flip one option each. */
  base?: KernelOptions;
  /** Which options to flip (default: every option the boot offers). */
  vary?: readonly MachineOptionName[];
  budget?: number;
  /** Fresh kernels (the map recycles them itself). Default: the modeled Windows kernel. */
  boot?: BootKernel;
}

/** The path ends at a call, a return, or a jump that leaves the code ahead of it (the shadow
 *  entry's jump back into the common path) or whose target is computed (the dispatcher's jmp r11
 *  into the argument copy, before the call of the service). A direct jump to a
 *  little further on is a branch over code of the same routine (which a conditional branch before
 *  it may reach), so the listing goes on past it. */
const ENDS_PATH = new Set(['call', 'ret', 'iret', 'sysret']);
const SAME_ROUTINE = 0x1000n;

function endsPath(ins: { op: string; operands: ReadonlyArray<{ kind: string; target?: bigint }> }, at: bigint, start: bigint): boolean {
  if (ENDS_PATH.has(ins.op)) return true;
  if (ins.op !== 'jmp') return false;
  const t = ins.operands[0];
  return !(t?.kind === 'rel' && t.target !== undefined && t.target > at && t.target - start < SAME_ROUTINE);
}

function machineOf(options: KernelOptions): MapMachine {
  const resolved = resolveMachineOptions(options);
  const changed = MACHINE_OPTIONS.filter((o) => resolved[o.name] !== o.default);
  return {
    id: changed.length ? changed.map((o) => `${o.name.toLowerCase()}:${resolved[o.name] ? 1 : 0}`).join(',') : 'default',
    label: changed.length ? changed.map((o) => `${o.label} ${resolved[o.name] ? 'on' : 'off'}`).join(', ') : 'Defaults',
    options: Object.fromEntries(changed.map((o) => [o.name, resolved[o.name]])) as KernelOptions,
  };
}

/** The options a map flips by default: all but those marked `inMaps: false` (options.ts). */
export const MAP_OPTION_NAMES: readonly MachineOptionName[] = MACHINE_OPTIONS.filter((o) => (o as MachineOption).inMaps !== false).map((o) => o.name);

/** The base machine, then the base with each varied option flipped. */
export function mapMachines(base: KernelOptions = {}, vary: readonly MachineOptionName[] = MAP_OPTION_NAMES): MapMachine[] {
  const resolved = resolveMachineOptions(base);
  const out = [machineOf(resolved)];
  for (const name of vary) out.push(machineOf({ ...resolved, [name]: !resolved[name] }));
  return out;
}

/** Parses `!bpmap`'s arguments: `Address [L Count]`. */
export class MapRequestError extends Error {}

/** The rows' instructions, read with kd's disassembler on the base machine. */
export function mapListing(session: KdSession, start: bigint, count?: number): Array<Omit<MapRow, 'cells'>> {
  const near = session.kernel.symbols.nearest(start);
  const name = near ? near.name + (near.address === start ? '' : `+0x${(start - near.address).toString(16)}`) : `0x${addr64(start)}`;
  const rows: Array<Omit<MapRow, 'cells'>> = [];
  let a = start;
  for (let i = 0; i < (count ?? MAX_MAP_ROWS); i++) {
    const d = session.disassemble(a);
    if (!d.readable || !d.ins) {
      if (rows.length === 0) throw new MapRequestError(`No instruction at ${name}: ${d.line.trim()}`);
      break;
    }
    const offset = Number(a - start);
    const here = session.kernel.symbols.nearest(a);
    rows.push({
      offset, address: hex16(a), label: offset === 0 ? name : `${name}+0x${offset.toString(16)}`,
      ...(i > 0 && here && here.address === a ? { symbol: here.name } : {}), line: d.line,
    });
    if (count === undefined && endsPath(d.ins, a, start)) break;
    a += BigInt(d.length);
  }
  return rows;
}

type ObservableCpu = {
  addHook(va: bigint, fn: (m: { getReg(n: string): bigint; getSeg(n: string): { base: bigint } }) => void): void;
  removeHook(va: bigint): void;
  icount: number;
};

/** One cell: `bp <row>`, `g` on a fresh boot of the machine, sorted by what kd reported. */
export function runCell(boot: BootKernel, machine: MapMachine, row: Pick<MapRow, 'address' | 'label'>, budget: number): { cell: MapCell; instructions: number } {
  const session = new KdSession({ ...machine.options, boot, budget });
  const cpu = (session.kernel as unknown as { cpu?: ObservableCpu }).cpu;
  if (!cpu || typeof cpu.addHook !== 'function') throw new MapRequestError('The breakpoint map needs a kernel whose processor it can observe.');
  const address = BigInt('0x' + row.address);
  let reached: { rsp: bigint; gsBase: bigint } | undefined;
  // Runs before the planted int 3 is fetched, every time RIP arrives there; the first arrival is
  // the one that matters (the machine is not stopped or changed).
  cpu.addHook(address, (m) => { reached ??= { rsp: m.getReg('rsp'), gsBase: m.getSeg('gs').base }; });
  const before = cpu.icount;
  let output: string;
  try {
    session.exec(`bp ${row.label}`);
    output = session.exec('g').output;
  } finally {
    cpu.removeHook(address);
  }
  const reported = output.split('\n').find((l) => l.trim() !== '') ?? '';
  const stop = session.lastEvent;
  const seen = reached ? { rsp: hex16(reached.rsp), gsBase: hex16(reached.gsBase) } : undefined;
  const base = { reported, ...(seen ? { reached: seen } : {}) };
  let cell: MapCell;
  if (stop?.kind === 'break' && stop.breakpoint === 0 && stop.address === address) {
    const kernelStack = reached !== undefined && reached.rsp >> 63n === 1n;
    const kernelGs = reached !== undefined && reached.gsBase === session.kpcr();
    cell = { outcome: kernelStack && kernelGs ? 'hit' : 'hit-user-state', ...base };
  } else if (stop?.kind === 'bugcheck') {
    cell = { outcome: 'bugcheck', code: stop.code, args: stop.args.map(hex16), ...base };
  } else if (stop?.kind === 'triple-fault') {
    cell = { outcome: 'triple-fault', ...base };
  } else if (stop?.kind === 'budget' || stop?.kind === 'exited') {
    cell = { outcome: reached ? 'hang' : 'not-reached', ...base };
  } else {
    cell = { outcome: 'other', ...base };
  }
  return { cell, instructions: cpu.icount - before };
}

/** The map as a run that yields after each cell (kd's `!bpmap` pauses there on a page). */
export function* breakpointMapSteps(req: MapRequest, fallbackBoot: BootKernel): Generator<void, BreakpointMap, void> {
  const budget = req.budget ?? MAP_BUDGET;
  const boot = recyclingBoot(req.boot ?? fallbackBoot);
  const machines = mapMachines(req.base, req.vary);
  const lister = new KdSession({ ...machines[0].options, boot });
  let start: bigint;
  try {
    start = lister.evalPrefix(req.start).value;
  } catch (e) {
    throw new MapRequestError(e instanceof Error ? e.message : String(e));
  }
  const listing = mapListing(lister, start, req.count);
  const symbol = listing[0].label;
  let runs = 0;
  let instructions = 0;
  const rows: MapRow[] = [];
  for (const r of listing) {
    const cells: MapCell[] = [];
    for (const m of machines) {
      const c = runCell(boot, m, r, budget);
      cells.push(c.cell);
      runs++;
      instructions += c.instructions;
      yield;
    }
    rows.push({ ...r, cells });
  }
  return { symbol, machines, rows, budget, runs, instructions };
}

export function computeBreakpointMap(req: MapRequest, fallbackBoot: BootKernel): BreakpointMap {
  return runToEnd(breakpointMapSteps(req, fallbackBoot));
}

/** A cell in a few characters: `hit`, `user`, `bc 7F`, `triple`, `hang`, `-`, `?`. */
export function cellShort(c: MapCell): string {
  return c.outcome === 'bugcheck' ? `bc ${(c.code ?? 0).toString(16).toUpperCase()}` : OUTCOME_TEXT[c.outcome].short;
}

/** How many rows of each machine are plain hits (the breakpoints that are safe there). */
export function safeCounts(map: BreakpointMap): number[] {
  return map.machines.map((_, i) => map.rows.filter((r) => r.cells[i].outcome === 'hit').length);
}

/** kd's text for `!bpmap`. */
export function formatBreakpointMap(map: BreakpointMap): string {
  const width = Math.max(...map.rows.map((r) => instructionText(r.line).length), 11) + 2;
  const cols = map.machines.map((m) => Math.max(m.label.length, 8) + 2);
  const pad = (s: string, n: number) => s.padEnd(n);
  const lines = [
    `Breakpoint map of ${map.symbol} (!bpmap is this book's extension command, not a WinDbg one)`,
    `Each cell: bp <row>, then g, on a freshly booted machine; at most ${map.budget} instructions per run.`,
    ...(['hit', 'hit-user-state', 'bugcheck', 'triple-fault', 'hang', 'not-reached'] as const).map((k) => `  ${pad(k === 'bugcheck' ? 'bc XX' : OUTCOME_TEXT[k].short, 7)}${OUTCOME_TEXT[k].long}`),
    '',
    pad('Offset', 8) + pad('Instruction', width) + map.machines.map((m, i) => pad(m.label, cols[i])).join('').trimEnd(),
  ];
  for (const r of map.rows) {
    if (r.symbol) lines.push(`${r.symbol}:`);
    lines.push(pad(`+${r.offset.toString(16).toUpperCase().padStart(2, '0')}h`, 8) + pad(instructionText(r.line), width) + r.cells.map((c, i) => pad(cellShort(c), cols[i])).join('').trimEnd());
  }
  const safe = safeCounts(map);
  lines.push('', `Safe (hit): ${map.machines.map((m, i) => `${m.label} ${safe[i]}/${map.rows.length}`).join(', ')}`);
  lines.push(`${map.rows.length} instructions x ${map.machines.length} machines = ${map.runs} runs, ${map.instructions} instructions emulated`);
  return lines.join('\n');
}

/** The instruction part of a `u` line (after the address and the bytes). */
export function instructionText(line: string): string {
  const m = /^[0-9a-f]{8}`[0-9a-f]{8} [0-9a-f?]+\s+(.*)$/.exec(line);
  // A branch's target is named by its symbol; the address kd adds in parentheses is dropped here.
  return (m ? m[1] : line).replace(/\s+\([0-9a-f]{8}`[0-9a-f]{8}\)$/, '').replace(/\s+/g, ' ').trim();
}

/**
 * `!bpmap Address [L Count]`: the map of the session's own machine (first column) and that machine
 * with each option flipped, on kernels booted for the purpose (the session's target is left as it
 * is). Pauses after each run, like `g`.
 */
export function* bpmapCommand(s: KdSession, args: string, ctx: CommandContext): RunSteps {
  const text = args.trim();
  if (text === '') throw new CaretError('Syntax error', ctx.text.length - 1);
  let count: number | undefined;
  const first = s.evalPrefix(text);
  const rest = first.rest.trim();
  if (rest !== '') {
    const l = /^l\s*(.+)$/i.exec(rest);
    if (!l) throw new CaretError('Syntax error', ctx.text.length - rest.length);
    const n = s.evalPrefix(l[1]);
    if (n.rest.trim() !== '') throw new CaretError('Syntax error', ctx.text.length - n.rest.trim().length);
    if (n.value < 1n || n.value > BigInt(MAX_MAP_ROWS)) throw new CaretError('Range error', ctx.text.length - 1);
    count = Number(n.value);
  }
  try {
    const map = yield* breakpointMapSteps({ start: text.slice(0, first.used).trim(), count, base: pickMachineOptions(s.options) }, s.options.boot ?? bootKernel);
    return formatBreakpointMap(map);
  } catch (e) {
    if (e instanceof MapRequestError) throw new PlainError(e.message);
    throw e;
  }
}
