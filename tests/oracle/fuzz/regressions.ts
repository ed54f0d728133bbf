// The regression file of every minimised mismatch ever found (tests/oracle/regressions/cpu-fuzz.json):
// replayed against the host when the native runner is available, else against the host results
// stored with each case.

import { readFileSync, writeFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseCaseLine, caseLine, type FuzzCase } from './arena.ts';
import type { RunResult } from './model.ts';

export const REGRESSIONS = join(dirname(fileURLToPath(import.meta.url)), '../regressions/cpu-fuzz.json');

export interface Regression { found: string; line: string; host?: unknown }
interface File { about: string; cases: Regression[] }

const big = (_: string, v: unknown): unknown => (typeof v === 'bigint' ? `0x${v.toString(16)}` : v);
const unbig = (_: string, v: unknown): unknown => (typeof v === 'string' && /^0x[0-9a-f]+$/.test(v) ? BigInt(v) : v);

export function loadRegressions(): Array<{ found: string; c: FuzzCase; host: RunResult | null }> {
  const f = JSON.parse(readFileSync(REGRESSIONS, 'utf8')) as File;
  return f.cases.map((r) => ({ found: r.found, c: parseCaseLine(r.line), host: r.host ? (JSON.parse(JSON.stringify(r.host), unbig) as RunResult) : null }));
}

/** Adds cases (with the host's results) to the file; existing lines are kept. */
export function addRegressions(items: Array<{ found: string; c: FuzzCase; host: RunResult }>): void {
  const f = JSON.parse(readFileSync(REGRESSIONS, 'utf8')) as File;
  const have = new Set(f.cases.map((r) => r.line));
  for (const it of items) {
    const line = caseLine(it.c);
    if (!have.has(line)) f.cases.push({ found: it.found, line, host: JSON.parse(JSON.stringify(it.host, big)) });
  }
  save(f);
}

/** Stores the host's result next to cases that lack one. */
export function fillHostResults(results: Map<string, RunResult>): void {
  const f = JSON.parse(readFileSync(REGRESSIONS, 'utf8')) as File;
  let changed = false;
  for (const r of f.cases) {
    const id = parseCaseLine(r.line).id;
    if (!r.host && results.has(id)) { r.host = JSON.parse(JSON.stringify(results.get(id), big)); changed = true; }
  }
  if (changed) save(f);
}

/** One case per line, so that the file diffs well. */
function save(f: File): void {
  const cases = f.cases.map((c) => `    ${JSON.stringify(c)}`).join(',\n');
  writeFileSync(REGRESSIONS, `{\n  "about": ${JSON.stringify(f.about)},\n  "cases": [\n${cases}\n  ]\n}\n`);
}
