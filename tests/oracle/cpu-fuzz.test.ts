// The CPU against the host, sequence by sequence (tests/oracle/fuzz/): random user-mode sequences
// run single-stepped on this machine's processor (native-runner.c, built with gcc) and on the model,
// compared after every instruction. Here: the regression file of every minimised mismatch ever
// found, a seeded run of a few thousand sequences, and a check that the comparison catches bugs
// injected through the semantics table. Long campaigns: `npm run fuzz:cpu -- --sequences N --seed S`.

import { describe, it, expect } from 'vitest';
import { SEMANTICS } from '../../emulator/src/cpu/index.ts';
import type { Semantics } from '../../emulator/src/cpu/index.ts';
import { buildRunner, runNative } from './fuzz/native.ts';
import { FuzzWorld } from './fuzz/arena.ts';
import { runModel } from './fuzz/model.ts';
import { compareRuns } from './fuzz/compare.ts';
import { campaign, summary, describe as describeFound, newReport } from './fuzz/campaign.ts';
import { loadRegressions, fillHostResults } from './fuzz/regressions.ts';

const exe = buildRunner();
if (!exe) console.log('NOTICE: no gcc, or not Linux on an Intel x86-64 with FSGSBASE: the CPU fuzzer replays the stored host results of its regression file only');

const SEQUENCES = Number(process.env.CPU_FUZZ_SEQUENCES ?? 1500);

describe('CPU differential fuzzer', () => {
  it('replays every minimised mismatch ever found (tests/oracle/regressions/cpu-fuzz.json)', () => {
    const regs = loadRegressions();
    expect(regs.length).toBeGreaterThan(0);
    const live = exe ? runNative(exe, regs.map((r) => r.c)) : null;
    if (live) fillHostResults(live);
    const w = new FuzzWorld();
    const stats = newReport();
    const bad: string[] = [];
    for (const r of regs) {
      const host = live?.get(r.c.id) ?? r.host;
      if (!host) continue;
      const mm = compareRuns(host, runModel(w, r.c, undefined, host), stats);
      if (mm) bad.push(`${r.found}: ${mm.what}`);
    }
    expect(bad).toEqual([]);
  });

  it.skipIf(!exe)(`a seeded run of ${SEQUENCES} sequences ends with 0 mismatches`, () => {
    const r = campaign(exe!, { sequences: SEQUENCES, seed: 20261126 });
    console.log(`cpu fuzz: ${summary(r)}`);
    expect(r.found.map(describeFound)).toEqual([]);
    expect(r.sequences).toBe(SEQUENCES);
    expect(r.rowsCovered.size).toBeGreaterThan(200);
  }, 120_000);

  // Bugs of the kinds the fuzzer exists for, injected through the semantics table (test only):
  // each must be caught and minimised to the instruction that carries it.
  const INJECTED: Array<[string, string, (orig: Semantics) => Semantics]> = [
    ['adc ignores the carry in', 'adc', () => SEMANTICS.add],
    ['movzx to a 32-bit register keeps the upper half', 'movzx', (orig) => (m, d) => {
      const hi = m.r[2 * d.o[0].reg + 1];
      orig(m, d);
      if (d.o[0].size === 4) m.r[2 * d.o[0].reg + 1] = hi;
    }],
    ['inc clears CF', 'inc', (orig) => (m, d) => { orig(m, d); m.rflags &= ~1; }],
  ];
  for (const [name, op, bug] of INJECTED) {
    it.skipIf(!exe)(`catches an injected bug: ${name}`, () => {
      const orig = SEMANTICS[op];
      SEMANTICS[op] = bug(orig);
      try {
        const r = campaign(exe!, { sequences: 300, seed: 7, maxFound: 3 });
        expect(r.found.length).toBeGreaterThan(0);
        expect(r.found.some((f) => f.minimal && f.mismatch.what.includes(op))).toBe(true);
      } finally {
        SEMANTICS[op] = orig;
      }
    }, 60_000);
  }
});
