// Builds native-runner.c with gcc (once per source version, in the system's temp directory) and
// runs cases through it. Null when this machine cannot run it (no gcc, not Linux x86-64).

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { caseLine, type FuzzCase } from './arena.ts';
import type { RunResult, Rec } from './model.ts';

const here = dirname(fileURLToPath(import.meta.url));

export function buildRunner(): string | null {
  if (process.platform !== 'linux' || process.arch !== 'x64') return null;
  // The runner switches FS/GS bases with WRFSBASE, which needs the kernel to enable FSGSBASE.
  // The modeled CPU is an Intel one: on another vendor's processor, where vendors differ by
  // design (e.g. 66-prefixed near branches), the comparison would report those differences.
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  if (!/\bfsgsbase\b/.test(cpuinfo) || !/vendor_id\s*:\s*GenuineIntel/.test(cpuinfo)) return null;
  const src = join(here, 'native-runner.c');
  const hash = createHash('sha256').update(readFileSync(src)).digest('hex').slice(0, 12);
  const dir = join(tmpdir(), 'syscall-book-cpu-fuzz');
  const exe = join(dir, `native-runner-${hash}`);
  if (existsSync(exe)) return exe;
  const gcc = spawnSync('gcc', ['--version']);
  if (gcc.status !== 0) return null;
  mkdirSync(dir, { recursive: true });
  const tmp = `${exe}.${process.pid}`;
  const cc = spawnSync('gcc', ['-O2', '-Wall', '-fno-stack-protector', '-o', tmp, src], { encoding: 'utf8' });
  if (cc.status !== 0) throw new Error(`gcc failed to build the native runner:\n${cc.stderr}`);
  spawnSync('mv', [tmp, exe]);
  return exe;
}

function rec(f: string[]): Rec {
  return { rip: BigInt('0x' + f[0]), rflags: Number.parseInt(f[1], 16), regs: f.slice(2, 18).map((x) => BigInt('0x' + x)) };
}

/** Runs the cases natively; results by case id. */
export function runNative(exe: string, cases: FuzzCase[]): Map<string, RunResult> {
  const input = cases.map(caseLine).join('\n') + '\n';
  const run = spawnSync(exe, [], { input, encoding: 'utf8', maxBuffer: 1 << 30 });
  if (run.status !== 0) throw new Error(`native runner failed (${run.status} ${run.signal ?? ''}): ${run.stderr}`);
  const out = new Map<string, RunResult>();
  let cur: RunResult | null = null;
  for (const line of run.stdout.split('\n')) {
    const t = line[0];
    if (t === 'R') {
      cur = { steps: [], end: { kind: 'C', vector: -1, err: 0, cr2: 0n, state: { rip: 0n, rflags: 0, regs: [] } }, mem: '' };
      out.set(line.slice(2), cur);
    } else if (t === 'S') cur!.steps.push(rec(line.slice(2).split(' ')));
    else if (t === 'X') {
      const f = line.slice(2).split(' ');
      cur!.end = { kind: f[0] as 'E', vector: Number.parseInt(f[1], 16), err: Number.parseInt(f[2], 16), cr2: BigInt('0x' + f[3]), state: rec(f.slice(4)) };
    } else if (t === 'M') cur!.mem = line.slice(2);
  }
  return out;
}
