// `execAsync` (a page's main thread: pauses between slices of a run) against `exec` (runs to the
// end at once) on the real modeled kernel: the same command lines must give byte-identical
// transcripts and the same events, whatever the pauses; a break-in request stops a run as
// Ctrl+C does in the command-line kd.
import { describe, expect, it } from 'vitest';
import { KdSession, SLICE } from '../../emulator/src/debugger/session.ts';
import { format } from '../../emulator/src/debugger/index.ts';

const BUDGET = 6 * SLICE + 1234;

async function bothWays(options: object, lines: string[]) {
  const sync = new KdSession({ ...options, budget: BUDGET });
  const syncResults = lines.map((l) => sync.exec(l));
  const async = new KdSession({ ...options, budget: BUDGET });
  let pauses = 0;
  const asyncResults = [];
  for (const l of lines) {
    asyncResults.push(await async.execAsync(l, { yield: async () => { pauses++; await Promise.resolve(); } }));
  }
  return { sync, async, syncResults, asyncResults, pauses };
}

const SEQUENCES: Array<{ name: string; options: object; lines: string[]; kinds: string[] }> = [
  { name: 'g with no breakpoint runs to the budget, twice', options: {}, lines: ['g', 'r rip', 'g'], kinds: ['budget', 'budget'] },
  {
    name: 'a breakpoint hit, then p, t and gu',
    options: {},
    lines: ['bp nt!KiSystemCall64+0x15', 'g', 'p 3', 't', 'gu', 'bl'],
    kinds: ['break'],
  },
  { name: 'KVA shadow: bp nt!KiSystemCall64; g', options: { kvaShadow: true }, lines: ['bp nt!KiSystemCall64; g', 'k', 'g'], kinds: [] },
  { name: 'SMAP: bp +0 then g twice and .reboot', options: { smap: true }, lines: ['bp nt!KiSystemCall64', 'g', 'g', '.reboot', 'g'], kinds: [] },
];

describe('execAsync gives exactly the transcript exec gives', () => {
  for (const seq of SEQUENCES) {
    it(seq.name, async () => {
      const { sync, async, syncResults, asyncResults } = await bothWays(seq.options, seq.lines);
      expect(async.transcript()).toBe(sync.transcript());
      expect(asyncResults).toEqual(syncResults);
      expect(async.events).toEqual(sync.events);
      const kinds = sync.events.map((e) => e.kind);
      for (const k of seq.kinds) expect(kinds).toContain(k);
    }, 60_000);
  }

  it('a run to the budget pauses between its slices, and reports the whole budget', async () => {
    const { asyncResults, pauses } = await bothWays({}, ['g']);
    expect(pauses).toBeGreaterThanOrEqual(Math.floor(BUDGET / SLICE));
    expect(asyncResults[0].stop).toMatchObject({ kind: 'budget', instructions: BUDGET });
  });

  it('commands that do not run the target do not pause', async () => {
    const { pauses, asyncResults, syncResults } = await bothWays({}, ['r', 'u nt!KiSystemCall64 L4', 'rdmsr c0000082', 'bogus']);
    expect(pauses).toBe(0);
    expect(asyncResults).toEqual(syncResults);
  });
});

describe('shouldStop breaks into a running target', () => {
  it('prints the break-in banner exec prints for Ctrl+C at the same slice', async () => {
    let polls = 0;
    const sync = new KdSession({ budget: BUDGET, interruptRequested: () => ++polls === 2 });
    const expected = sync.exec('g');
    const async = new KdSession({ budget: BUDGET });
    let asks = 0;
    const got = await async.execAsync('g', { yield: () => Promise.resolve(), shouldStop: () => ++asks === 2 });
    expect(got).toEqual(expected);
    expect(async.transcript()).toBe(sync.transcript());
    expect(got.stop).toMatchObject({ kind: 'break-in' });
    expect(got.output.split('\n')[0]).toBe(format.breakInBanner().split('\n')[0]);
    // The poll belongs to that call only: the next g runs to the budget.
    const next = await async.execAsync('g', { yield: () => Promise.resolve() });
    expect(next.stop).toMatchObject({ kind: 'budget' });
  });
});
