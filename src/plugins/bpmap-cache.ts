// The breakpoint maps a build shows are computed once and kept on disk, keyed by the emulator's
// version and a digest of its whole source (any change to the CPU, the kernel or kd recomputes
// them), under node_modules/.cache. Each map's cost (runs = instructions x machines, seconds) goes
// to the build log, whether computed now or read back.

import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { computeBreakpointMap, type BreakpointMap, type MapRequest } from '../../emulator/src/debugger/bpmap.ts';
import type { BootKernel } from '../../emulator/src/debugger/boot-cache.ts';
import { EMULATOR_VERSION } from '../../emulator/src/scenario/version.ts';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const CACHE_DIR = path.join(REPO, 'node_modules', '.cache', 'syscall-book', 'bpmap');

let digest: string | undefined;

/** Every file of emulator/src, by path and content. */
function emulatorDigest(): string {
  if (digest) return digest;
  const h = createHash('sha256');
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else {
        h.update(path.relative(REPO, p));
        h.update(fs.readFileSync(p));
      }
    }
  };
  walk(path.join(REPO, 'emulator', 'src'));
  digest = h.digest('hex');
  return digest;
}

const memo = new Map<string, BreakpointMap>();

export type MapRequestData = Omit<MapRequest, 'boot'>;

/**
 * The map for a request: from this build's memory, else the disk cache, else computed now on
 * `boot` (fresh kernels). A map that cannot be computed throws (and fails the build).
 */
export function cachedBreakpointMap(req: MapRequestData, boot: BootKernel, log: (line: string) => void = (l) => console.log(l)): BreakpointMap {
  const key = createHash('sha256').update(JSON.stringify({ v: EMULATOR_VERSION, src: emulatorDigest(), req })).digest('hex').slice(0, 24);
  const known = memo.get(key);
  if (known) return known;
  const file = path.join(CACHE_DIR, `${key}.json`);
  let stored: { seconds: number; cpuSeconds?: number; map: BreakpointMap } | undefined;
  try {
    stored = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    stored = undefined; // absent or unreadable: compute it
  }
  if (stored?.map?.rows?.length) {
    log(`${costLine(stored.map)}: read from the cache (emulator version ${EMULATOR_VERSION}; computed in ${seconds(stored)})`);
  } else {
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    const map = computeBreakpointMap(req, boot);
    const cpu = process.cpuUsage(cpu0);
    // Wall time depends on what else the machine runs; the processor time is the map's own cost.
    stored = { seconds: (performance.now() - t0) / 1000, cpuSeconds: (cpu.user + cpu.system) / 1e6, map };
    fs.mkdirSync(CACHE_DIR, { recursive: true });
    fs.writeFileSync(file, JSON.stringify(stored));
    log(`${costLine(map)}: computed in ${seconds(stored)}`);
  }
  memo.set(key, stored.map);
  return stored.map;
}

function seconds(s: { seconds: number; cpuSeconds?: number }): string {
  return `${s.seconds.toFixed(1)} s${s.cpuSeconds !== undefined ? ` (${s.cpuSeconds.toFixed(1)} s of processor time in this process meanwhile)` : ''}`;
}

function costLine(map: BreakpointMap): string {
  return `[bpmap] ${map.symbol}: ${map.rows.length} instructions x ${map.machines.length} machines = ${map.runs} runs, ${map.instructions} instructions emulated`;
}
