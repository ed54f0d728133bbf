// A fuzzing campaign: generate sequences, run each on the host (native-runner.c) and on the model,
// compare after every instruction, minimise every mismatch to one instruction and its input state.
// Used by tests/oracle/cpu-fuzz.test.ts (a seeded run of a few thousand sequences) and by
// `npm run fuzz:cpu -- --sequences N --seed S` (long campaigns; see main() below).

import { FuzzWorld, ARENA, caseLine, initialImage, type FuzzCase } from './arena.ts';
import { OPCODES } from '../../../emulator/src/cpu/index.ts';
import { generate, Rng, FUZZ_ROWS } from './generator.ts';
import { runModel, type RunResult } from './model.ts';
import { compareRuns, type Mismatch, type Stats } from './compare.ts';
import { runNative } from './native.ts';

export interface Found { case: FuzzCase; mismatch: Mismatch; host: RunResult; minimal: boolean }

export interface Report extends Stats {
  sequences: number;
  instructions: number;
  faults: number;
  rowsCovered: Set<number>;
  rejected: number;
  crashed: number;
  found: Found[];
}

export function newReport(): Report {
  return { sequences: 0, instructions: 0, faults: 0, rowsCovered: new Set(), rejected: 0, crashed: 0, found: [], undefinedFlagDiffs: 0, undefinedFlagChecks: 0, unmodeled: new Map(), sdmOverHost: 0, outsideArena: 0, repSelfOverwrite: 0, hostDependent: 0, invalidAtPageEnd: 0, selfBranch: 0 };
}

/** Compares one case on both sides. */
export function check(exe: string, model: FuzzWorld, cases: FuzzCase[], report: Report): Array<{ c: FuzzCase; host: RunResult; m: Mismatch }> {
  const hostRuns = runNative(exe, cases);
  const bad: Array<{ c: FuzzCase; host: RunResult; m: Mismatch }> = [];
  for (const c of cases) {
    const host = hostRuns.get(c.id);
    if (!host) throw new Error(`the native runner gave no result for ${c.id}`);
    const mod = runModel(model, c, report.rowsCovered, host);
    report.sequences++;
    report.instructions += mod.steps.length + (mod.end.kind === 'F' ? 1 : 0);
    if (host.end.kind === 'C') { report.crashed++; continue; }
    if (host.end.kind === 'F') report.faults++;
    const mm = compareRuns(host, mod, report);
    if (mm) bad.push({ c, host, m: mm });
  }
  return bad;
}

/** Reduces a mismatch to the one instruction where the runs part, with the model's state and
 *  memory just before it as the case's input (checked to still mismatch on the host). */
export function minimise(exe: string, model: FuzzWorld, c: FuzzCase, mm: Mismatch): Found {
  let step = mm.step;
  if (step < 0) {
    // A memory difference: find the first instruction after which memory differs.
    const full = runModel(model, c, undefined, runNative(exe, [c]).get(c.id));
    for (let k = 1; k <= full.steps.length + 1; k++) {
      const t = { ...c, id: `${c.id}-l${k}`, limit: k };
      const r = check(exe, model, [t], newReport());
      if (r.length) { step = k - 1; break; }
    }
    if (step < 0) step = full.steps.length;
  }
  // The state before instruction `step`, from the model (identical to the host's up to there).
  const pre = runModel(model, { ...c, limit: step || undefined }, undefined, runNative(exe, [c]).get(c.id));
  const st = step === 0 ? { rip: BigInt(ARENA + c.codeOff), rflags: c.rflags, regs: c.regs } : pre.steps[step - 1];
  const image = model.arena();
  const init = initialImage(c);
  const patches: Array<[number, Uint8Array]> = [];
  for (let i = 0; i < image.length;) {
    if (image[i] === init[i]) { i++; continue; }
    let j = i;
    while (j < image.length && image[j] !== init[j]) j++;
    patches.push([i, image.slice(i, j)]);
    i = j;
  }
  if (!st) return { case: c, mismatch: mm, host: runNative(exe, [c]).get(c.id)!, minimal: false };
  // NT and ID cannot be loaded on the host (Linux's sigreturn restores only the flags in its
  // FIX_EFLAGS), so a state holding them is reproduced only by the whole sequence.
  if (st.rflags & 0x204000) return { case: c, mismatch: mm, host: runNative(exe, [c]).get(c.id)!, minimal: false };
  const off = Number(st.rip) - ARENA;
  if (off < 0 || off >= image.length - 1) return { case: c, mismatch: mm, host: runNative(exe, [c]).get(c.id)!, minimal: false };
  const one: FuzzCase = {
    id: `${c.id}-min`, perms: c.perms, seed: c.seed, codeOff: off, code: image.slice(off, off + 15), rflags: st.rflags & ~0x100,
    regs: st.regs.slice(), limit: 1, patches,
  };
  const r = check(exe, model, [one], newReport());
  if (r.length) return { case: one, mismatch: r[0].m, host: r[0].host, minimal: true };
  return { case: c, mismatch: mm, host: runNative(exe, [c]).get(c.id)!, minimal: false };
}

export interface CampaignOptions { sequences: number; seed: number; batch?: number; onProgress?: (r: Report) => void; maxFound?: number }

export function campaign(exe: string, o: CampaignOptions, report = newReport()): Report {
  const rng = new Rng(o.seed);
  const gen = new FuzzWorld(512);
  const model = new FuzzWorld(0);
  const genStats = { rejected: 0 };
  const batch = o.batch ?? 500;
  for (let done = 0; done < o.sequences; done += batch) {
    const cases: FuzzCase[] = [];
    for (let i = 0; i < Math.min(batch, o.sequences - done); i++) cases.push(generate(gen, rng, `s${o.seed}-${done + i}`, genStats));
    for (const b of check(exe, model, cases, report)) {
      if (report.found.length >= (o.maxFound ?? 20)) break;
      report.found.push(minimise(exe, model, b.c, b.m));
    }
    report.rejected = genStats.rejected;
    o.onProgress?.(report);
  }
  return report;
}

export function summary(r: Report): string {
  return `${r.sequences} sequences, ${r.instructions} instructions, ${r.faults} faults compared, ` +
    `${[...r.rowsCovered].filter((i) => i >= 0).length} of ${OPCODES.length} table rows covered (${FUZZ_ROWS.length} generated), ${r.found.length} mismatches` +
    ` (undefined flags differing from the host: ${r.undefinedFlagDiffs} of ${r.undefinedFlagChecks} masked checks; ${r.crashed} runner crashes;` +
    ` ${r.sdmOverHost} cases where the model follows the SDM over the host; ${r.outsideArena} host faults outside the arena; ${r.repSelfOverwrite} REP instructions that overwrote themselves; ${r.hostDependent} runs into host-dependent instructions; ${r.invalidAtPageEnd} invalid encodings at a page end; ${r.selfBranch} branches to themselves; ${[...r.unmodeled.values()].reduce((a, b) => a + b, 0)} runs into bytes outside the table)`;
}

export function describe(f: Found): string {
  return `${f.minimal ? 'minimised' : 'not minimised'}: ${f.mismatch.what}\n  ${caseLine(f.case)}`;
}
