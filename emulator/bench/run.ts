// `npm run bench`: guest instructions per second for three loops, each beside the same loop run
// natively (emulator/bench/native.c, gcc -O2), and the browser bundle size of the CPU.
//   (a) ALU loop            add/xor/sub/inc/dec/jnz on registers
//   (b) memory loop         load/add/store through 4-level paging, index wraps in a 4 KiB buffer
//   (c) syscall round trips user `syscall` -> handler (swapgs, swapgs, sysretq) -> user loop;
//                           natively: a real getppid system call through this machine's kernel
//   (d) system calls through the modeled Windows kernel: the default program's ntdll stubs ->
//       KiSystemCall64 (trap frame, dispatch, service) -> sysretq, counted by the kernel's own
//       KPRCB.KeSystemCalls
//   (e) the same with kd's time-travel history on (the CPU's undo journal keeping 1,000,000
//       steps): its speed and the bytes it holds per instruction

import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { Machine, PageTableBuilder, buildSystemTables, MSR_EFER, MSR_STAR, MSR_LSTAR, MSR_FMASK } from '../src/cpu/index.ts';
import { assemble } from '../src/cpu/assembler.ts';
import { bootWindows } from '../src/windows/index.ts';
import { off } from '../src/windows/structs.ts';

const here = dirname(fileURLToPath(import.meta.url));
const K = 0xfffff80000000000n;

function machine(user: string, kernel: string): { m: Machine; labels: Map<string, bigint> } {
  const m = new Machine();
  const pt = new PageTableBuilder(m, 0x100000n);
  pt.map(K, 0x10000n, 0x3000);
  pt.map(K + 0x10000n, 0x20000n, 0x1000);
  pt.map(K + 0x20000n, 0x30000n, 0x4000);
  pt.map(0x400000n, 0x200000n, 0x1000, { user: true });
  pt.map(0x500000n, 0x210000n, 0x2000, { user: true });
  pt.activate();
  buildSystemTables(m, { gdt: K, idt: K + 0x1000n, tss: K + 0x2000n, rsp0: K + 0x24000n, gates: [] });
  m.writeMsr(MSR_EFER, 0xd01n);
  m.writeMsr(MSR_STAR, 0x0023001000000000n);
  m.writeMsr(MSR_FMASK, 0x4700n);
  const k = assemble(kernel, { origin: K + 0x10000n });
  m.writeVirtual(K + 0x10000n, k.bytes);
  m.writeMsr(MSR_LSTAR, K + 0x10000n);
  const u = assemble(user, { origin: 0x400000n });
  m.writeVirtual(0x400000n, u.bytes);
  m.loadSeg('cs', 0x33);
  m.loadSeg('ss', 0x2b);
  m.setReg('rip', 0x400000n);
  m.setReg('rsp', 0x501ff0n);
  return { m, labels: u.labels };
}

interface Result { name: string; instructions: number; seconds: number; perIteration: number; iterations: number }

function measure(name: string, user: string, kernel: string, iterations: number, perIteration: number): Result {
  const { m, labels } = machine(user, kernel);
  const done = labels.get('done')!;
  m.addHook(done, () => ({ stop: true, reason: 'done' }));
  m.setReg('rcx', BigInt(iterations));
  m.setReg('r12', BigInt(iterations));
  // Warm up the decode cache and the JIT on a short run, then time a full one.
  const warm = machine(user, kernel);
  warm.m.setReg('rcx', 100000n); warm.m.setReg('r12', 100000n);
  warm.m.run({ budget: 100000 * perIteration + 100 });
  const before = m.icount;
  // CPU time of this process, not wall time: the machine may be shared, and the native loops
  // are timed the same way (CLOCK_PROCESS_CPUTIME_ID).
  const t0 = process.cpuUsage();
  const stop = m.run({ budget: iterations * perIteration + 100 });
  const u = process.cpuUsage(t0);
  const seconds = (u.user + u.system) / 1e6;
  if (stop.kind !== 'hook') throw new Error(`${name}: expected to reach 'done', stopped with ${JSON.stringify(stop, (_, v) => typeof v === 'bigint' ? v.toString(16) : v)}`);
  return { name, instructions: m.icount - before, seconds, perIteration, iterations };
}

const ALU = `
l: add rax, rbx
xor rdx, rax
sub rbx, 3
inc rsi
dec ecx
jnz l
done: nop`;
const MEM = `
mov rdi, 500000h
xor edx, edx
l: mov rax, qword ptr [rdi+rdx*8]
add rax, 1
mov qword ptr [rdi+rdx*8], rax
inc rdx
and rdx, 511
dec ecx
jnz l
done: nop`;
const SYS_USER = `
l: syscall
dec r12
jnz l
done: nop`;
const SYS_KERNEL = `
swapgs
swapgs
sysretq`;

function native(): Record<string, number> | null {
  if (spawnSync('gcc', ['--version']).status !== 0) { console.log('NOTICE: gcc not found; native column skipped'); return null; }
  const exe = join(mkdtempSync(join(tmpdir(), 'bench-')), 'native');
  const cc = spawnSync('gcc', ['-O2', '-masm=intel', '-o', exe, join(here, 'native.c')], { encoding: 'utf8' });
  if (cc.status !== 0) { console.log(`NOTICE: gcc failed (${cc.stderr.trim()}); native column skipped`); return null; }
  const out = spawnSync(exe, { encoding: 'utf8' }).stdout;
  const r: Record<string, number> = {};
  for (const line of out.trim().split('\n')) { const [k, v] = line.split(' '); r[k] = Number(v); }
  return r;
}

async function bundleSize(): Promise<string> {
  try {
    const esbuild = await import('esbuild');
    const size = async (contents: string): Promise<[number, number]> => {
      const res = await esbuild.build({
        stdin: { contents, resolveDir: join(here, '../src/cpu'), sourcefile: 'entry.ts', loader: 'ts' },
        bundle: true, minify: true, format: 'esm', write: false, platform: 'browser',
      });
      const code = res.outputFiles[0].contents;
      return [code.length, gzipSync(code, { level: 9 }).length];
    };
    const kb = (n: number): string => `${(n / 1024).toFixed(1)} KB`;
    // The executor (Machine with its decoder and semantics), then the whole cpu entry point
    // (plus assembler, disassembler, setup helpers), each bundled with esbuild --minify.
    const [coreRaw, coreGz] = await size("export { Machine } from './index.ts';");
    const [allRaw, allGz] = await size("export * from './index.ts';");
    return `CPU bundle (esbuild --minify, gzip -9): executor (Machine + decoder + semantics) ${kb(coreRaw)} minified, ${kb(coreGz)} gzipped;` +
      ` whole emulator/src/cpu (with assembler, disassembler, setup) ${kb(allRaw)} minified, ${kb(allGz)} gzipped`;
  } catch (e) {
    return `bundle size not measured: ${String(e)}`;
  }
}

const results = [
  measure('(a) ALU loop', ALU, 'nop', Number(process.env.BENCH_N ?? 20_000_000), 6),
  measure('(b) memory loop, paging on', MEM, 'nop', Number(process.env.BENCH_N ?? 10_000_000) / 2, 7),
  measure('(c) syscall/sysret round trips', SYS_USER, SYS_KERNEL, Number(process.env.BENCH_N ?? 20_000_000) / 10, 6),
];
/** (d): the guest's own count of system calls (KiSystemCall64 increments KPRCB.KeSystemCalls). */
function windowsSystemCalls(budget: number, history = 0): string {
  const k = bootWindows();
  if (history) k.history.enable(history);
  const counter = k.kpcr + BigInt(off('_KPCR.Prcb') + off('_KPRCB.KeSystemCalls'));
  const calls = (): number => new DataView(k.cpu.readVirtual(counter, 4)!.buffer).getUint32(0, true);
  k.resume({ budget: 200_000 }); // warm-up
  const c0 = calls();
  const i0 = k.cpu.icount;
  const t0 = process.cpuUsage();
  const stop = k.resume({ budget });
  const u = process.cpuUsage(t0);
  if (stop.kind !== 'budget') return `(d) not measured: the default program stopped with ${stop.kind}`;
  const seconds = (u.user + u.system) / 1e6;
  const n = calls() - c0;
  const instr = k.cpu.icount - i0;
  if (history) {
    const held = Math.min(history, k.cpu.icount);
    return `(e) with time-travel history (${history.toLocaleString('en-US')} steps): ${(instr / seconds / 1e6).toFixed(1)} M instr/s, ` +
      `${(k.history.bytes / 1048576).toFixed(1)} MB held for the last ${held.toLocaleString('en-US')} instructions (${(k.history.bytes / held).toFixed(0)} bytes each, 1 MiB chunks)`;
  }
  return `(d) modeled Windows kernel: ${Math.round(n / seconds).toLocaleString('en-US')} system calls/s ` +
    `(ntdll stub -> KiSystemCall64 -> service -> sysretq; ${(instr / n).toFixed(0)} guest instructions per call, ${(instr / seconds / 1e6).toFixed(1)} M instr/s)`;
}

const nat = native();
const key = ['alu', 'mem', 'syscall'];
const rows = results.map((r, i) => {
  const ips = r.instructions / r.seconds;
  const nsIter = (r.seconds * 1e9) / r.iterations;
  const n = nat ? nat[key[i]] : NaN;
  return [r.name, `${(ips / 1e6).toFixed(1)} M`, `${nsIter.toFixed(1)} ns`, nat ? `${n.toFixed(2)} ns` : 'n/a', nat ? `${(nsIter / n).toFixed(1)}x slower` : 'n/a'];
});
const head = ['loop', 'guest instr/s', 'emulated / iteration', 'native / iteration', 'ratio'];
const widths = head.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
const fmt = (r: string[]): string => '| ' + r.map((x, c) => x.padEnd(widths[c])).join(' | ') + ' |';
console.log(fmt(head));
console.log('|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|');
for (const r of rows) console.log(fmt(r));
console.log('(c) native: one real getppid system call through the host kernel per iteration.');
console.log(windowsSystemCalls(Number(process.env.BENCH_N ?? 20_000_000) / 4));
console.log(windowsSystemCalls(1_000_000, 1_000_000));
console.log(await bundleSize());
