// The breakpoint map (`!bpmap`): each cell must be what a plain scenario run (`runScenario`, a
// fresh boot, kd's `bp` then `g`) gives for the same row and machine. No outcome is written here:
// the expectations come from the scenario runs and from the processor's event log.
import { describe, expect, it } from 'vitest';
import {
  computeBreakpointMap, formatBreakpointMap, mapMachines, type BreakpointMap, type MapCell, type MapRow,
} from '../../emulator/src/debugger/bpmap.ts';
import { bootKernel, KdSession } from '../../emulator/src/debugger/session.ts';
import { runScenario, type Trace } from '../../emulator/src/scenario/index.ts';
import { MACHINE_OPTIONS, MACHINE_OPTION_NAMES } from '../../emulator/src/windows/options.ts';
import { bootWindows } from '../../emulator/src/windows/index.ts';

const maps: BreakpointMap[] = [
  computeBreakpointMap({ start: 'nt!KiSystemCall64' }, bootKernel),
  computeBreakpointMap({ start: 'nt!KiSystemCall64Shadow', base: { kvaShadow: true }, vary: MACHINE_OPTION_NAMES.filter((n) => n !== 'kvaShadow') }, bootKernel),
];

const firstFour = computeBreakpointMap({ start: 'nt!KiSystemCall64', count: 4 }, bootKernel);

/** Per machine: the first row of each outcome kind, plus the first and last rows. */
function sample(map: BreakpointMap, machine: number): MapRow[] {
  const picked = new Map<string, MapRow>();
  for (const r of map.rows) {
    const c = r.cells[machine];
    const key = c.outcome + (c.code ?? '');
    if (!picked.has(key)) picked.set(key, r);
  }
  return [...new Set([map.rows[0], ...picked.values(), map.rows[map.rows.length - 1]])];
}

const firstLine = (t: Trace) => t.transcript[1].output.split('\n').find((l) => l.trim() !== '') ?? '';
const upperHalf = (hex: string) => parseInt(hex[0], 16) >= 8;

/** The CPU raising or delivering #BP (vector 3) for an int 3 at the address. */
const isBreakpointAt = (e: Trace['events'][number], address: string) =>
  (e.kind === 'exception-raised' || e.kind === 'exception-delivered') && e.vector === 3 && e.rip === address;

/** The GS base at the breakpoint's int 3, read from the CPU event log: the last SWAPGS between the
 *  system call and the #BP gave it; with none, the user's GS base was still loaded. */
function gsAtBreak(t: Trace, address: string): { swapped: string | null } | null {
  const bp = t.events.findIndex((e) => isBreakpointAt(e, address));
  if (bp < 0) return null;
  const swaps = t.events.slice(0, bp).filter((e) => e.kind === 'swapgs');
  return { swapped: swaps.length ? String(swaps[swaps.length - 1].gsBase) : null };
}

function expectSame(cell: MapCell, row: MapRow, t: Trace): void {
  expect(cell.reported).toBe(firstLine(t));
  const o = t.outcome;
  switch (cell.outcome) {
    case 'hit':
    case 'hit-user-state': {
      expect(o.kind).toBe('break');
      expect(o.breakpoint).toBe(0);
      expect(o.address).toBe(row.address);
      // kd's context is the frame the #BP pushed: its rsp is the rsp at the int 3.
      const rsp = t.transcript[1].state.regs.rsp;
      expect(cell.reached?.rsp).toBe(rsp);
      const gs = gsAtBreak(t, row.address);
      expect(gs).not.toBeNull();
      const kernelGs = gs!.swapped !== null && upperHalf(gs!.swapped);
      if (gs!.swapped !== null) expect(cell.reached?.gsBase).toBe(gs!.swapped);
      expect(cell.outcome === 'hit').toBe(upperHalf(rsp) && kernelGs);
      break;
    }
    case 'bugcheck':
      expect(o.kind).toBe('bugcheck');
      expect(o.code).toBe(cell.code);
      expect(o.args).toEqual(cell.args);
      break;
    case 'triple-fault':
      expect(o.kind).toBe('triple-fault');
      break;
    case 'hang':
    case 'not-reached':
      expect(['budget', 'exited']).toContain(o.kind);
      if (cell.outcome === 'not-reached') {
        expect(t.events.some((e) => isBreakpointAt(e, row.address))).toBe(false);
      }
      break;
    default:
      // Anything else kd reported: not this row's breakpoint, not a bug check or a budget stop.
      expect(o.kind === 'break' && o.breakpoint === 0 && o.address === row.address).toBe(false);
      expect(['bugcheck', 'triple-fault', 'budget', 'exited']).not.toContain(o.kind);
  }
}

describe('breakpoint map', () => {
  for (const map of maps) {
    map.machines.forEach((machine, i) => {
      it(`${map.symbol}, ${machine.label}: sampled rows equal runScenario()`, () => {
        for (const row of sample(map, i)) {
          const t = runScenario({ id: `bpmap-${i}-${row.offset}`, options: machine.options, commands: [`bp ${row.label}`, 'g'], budget: map.budget });
          expectSame(row.cells[i], row, t);
        }
      });
    });
  }

  it('has one column for the base machine and one per option the boot offers for maps', () => {
    // The boot resolves exactly the registry's options, so a new one reaches the map unless it
    // says it changes nothing on the entry paths (inMaps: false, e.g. the CPU vendor).
    expect(Object.keys(bootWindows({}).options).sort()).toEqual([...MACHINE_OPTION_NAMES].sort());
    const machines = mapMachines();
    const inMaps = MACHINE_OPTIONS.filter((o) => !('inMaps' in o) || o.inMaps !== false);
    expect(inMaps.length).toBeGreaterThan(0);
    expect(machines.length).toBe(inMaps.length + 1);
    expect(mapMachines({}, ['amdCpu']).map((m) => m.id)).toEqual(['default', 'amdcpu:1']);
    expect(new Set(machines.map((m) => m.id)).size).toBe(machines.length);
    expect(maps[0].machines.map((m) => m.id)).toEqual(machines.map((m) => m.id));
  });

  it('runs from the first instruction to the dispatcher\'s computed jump into the argument copy (the shadow entry: to its jump out)', () => {
    const mnemonic = (line: string) => /^[0-9a-f`]+ [0-9a-f]+\s+(\S+)/.exec(line)?.[1];
    for (const map of maps) {
      expect(map.rows[0].offset).toBe(0);
      expect(map.runs).toBe(map.rows.length * map.machines.length);
      // No call before the last row; a jump before it only skips ahead within the routine.
      expect(map.rows.slice(0, -1).some((r) => mnemonic(r.line) === 'call')).toBe(false);
      for (const r of map.rows.slice(0, -1).filter((x) => mnemonic(x.line) === 'jmp')) {
        // (only direct jumps before the last row)
        expect(BigInt('0x' + /\(([0-9a-f]{8})`([0-9a-f]{8})\)$/.exec(r.line)!.slice(1).join(''))).toBeGreaterThan(BigInt('0x' + r.address));
      }
    }
    // KiSystemServiceRepeat's jmp r11 (into KiSystemServiceCopyStart): a target no listing can know.
    expect(maps[0].rows[maps[0].rows.length - 1].line).toMatch(/ jmp {5}r11$/);
    expect(mnemonic(maps[1].rows[maps[1].rows.length - 1].line)).toBe('jmp');
  });

  it('!bpmap in kd prints the same map, says it is not a WinDbg command, and refuses bad input', () => {
    const s = new KdSession({});
    const out = s.exec('!bpmap nt!KiSystemCall64 L4').output;
    expect(out).toBe(formatBreakpointMap(firstFour));
    expect(out).toContain("this book's extension command, not a WinDbg one");
    expect(s.exec('.help').output).toMatch(/!bpmap .*not WinDbg's/);
    expect(s.exec('!bpmap nt!NoSuchSymbol').output).toContain("Couldn't resolve error at 'nt!NoSuchSymbol'");
    expect(s.exec('!bpmap nt!KiSystemCall64 L0').output).toContain('Range error');
    expect(s.exec('!bpmap').output).toContain('Syntax error');
    // The session's own target is untouched by the map's runs.
    expect(s.exec('r rip').output).toBe(new KdSession({}).exec('r rip').output);
  });

  it('is deterministic', () => {
    expect(JSON.stringify(firstFour.rows)).toBe(JSON.stringify(maps[0].rows.slice(0, 4)));
  });
});
