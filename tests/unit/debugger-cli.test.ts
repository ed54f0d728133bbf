// `npx kd`: argument parsing, -c transcripts, the --json outcome kinds, and the launcher itself.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { jsonReport, parseArgs, runBatch, USAGE } from '../../emulator/src/debugger/cli.ts';
import { KdSession } from '../../emulator/src/debugger/session.ts';
import { addr64 } from '../../emulator/src/debugger/format.ts';

const KD = fileURLToPath(new URL('../../emulator/bin/kd.js', import.meta.url));

function json(commands: string, options: object = {}, budget = 100_000) {
  const s = new KdSession({ ...options, budget });
  runBatch(s, commands);
  return { s, report: JSON.parse(jsonReport(s)) };
}

describe('kd arguments', () => {
  it('parses the options and rejects bad input with one sentence', () => {
    expect(parseArgs(['--smap', '--no-smep', '--kva-shadow', '--budget', '500', '-c', 'r; q', '--json'])).toEqual({
      json: true, help: false, smep: false, smap: true, kvaShadow: true, dfReloadsGs: false, movSsFix: false, budget: 500, commands: 'r; q',
    });
    expect(parseArgs(['--df-reloads-gs'])).toMatchObject({ dfReloadsGs: true });
    expect(parseArgs(['--mov-ss-fix'])).toMatchObject({ movSsFix: true });
    expect(parseArgs(['--budget', 'abc'])).toEqual({ error: "kd: --budget needs a positive whole number of instructions (got 'abc')" });
    expect(parseArgs(['--history', '0'])).toMatchObject({ history: 0 });
    expect(parseArgs(['--history', '-1'])).toEqual({ error: "kd: --history needs a whole number of steps, 0 to 100000000 (got '-1')" });
    expect(parseArgs(['-c'])).toHaveProperty('error');
    expect(parseArgs(['--json'])).toHaveProperty('error');
    expect(parseArgs(['--frobnicate'])).toEqual({ error: "kd: unknown option '--frobnicate' (see kd --help)" });
  });
  it('--help names every option', () => {
    for (const o of ['-c', '--json', '--smap', '--no-smep', '--kva-shadow', '--df-reloads-gs', '--mov-ss-fix', '--budget', '--history', '--help']) expect(USAGE).toContain(o);
  });
});

describe('kd -c and --json', () => {
  it('one prompt line per command, stopping at q', () => {
    const s = new KdSession({ budget: 1000 });
    runBatch(s, 'rdmsr c0000082; q; r');
    expect(s.transcript().split('\n').filter((l) => l.startsWith('0: kd> '))).toEqual(['0: kd> rdmsr c0000082', '0: kd> q']);
  });
  it('outcome break: the breakpoint, its address and symbol', () => {
    const { s, report } = json('bp nt!KiSystemCall64+0x15; g; q');
    const at = addr64(s.kernel.symbols.resolve('nt!KiSystemCall64')! + 0x15n);
    expect(report.outcome).toEqual({ kind: 'break', breakpoint: 0, address: at, symbol: 'nt!KiSystemCall64+0x15', code: '0x80000003' });
    expect(report.registers.rsp).toMatch(/^[0-9a-f]{16}$/);
    expect(report.registers.efl).toMatch(/^[0-9a-f]{8}$/);
    expect(report.transcript).toContain('Breakpoint 0 hit');
    expect(Array.isArray(report.events)).toBe(true);
    expect(report.events.some((e: { kind: string }) => e.kind === 'syscall')).toBe(true);
  });
  it('outcome bugcheck, budget, exited', () => {
    // With the GS-reloading #DF entry, bp nt!KiSystemCall64 ends in 0x7F/8; without it, kd hears
    // of nothing and stops at its budget (see windows.test.ts for the chain).
    const bug = json('bp nt!KiSystemCall64; g', { dfReloadsGs: true });
    expect(bug.report.outcome).toMatchObject({ kind: 'bugcheck', code: '0x7f', args: ['0x0000000000000008', expect.any(String), expect.any(String), expect.any(String)] });
    expect(json('bp nt!KiSystemCall64; g', {}, 50_000).report.outcome).toEqual({ kind: 'budget', instructions: 50_000 });
    expect(json('g', {}, 5000).report.outcome).toEqual({ kind: 'budget', instructions: 5000 });
    const exited = json('bp ntdll!NtClose; g; bc *; r rip=ntdll!NtTerminateProcess; r rcx=-1; r rdx=0x2a; g');
    expect(exited.report.outcome).toEqual({ kind: 'exited', status: 0x2a });
  });
  it('outcome triple-fault', () => {
    const s0 = new KdSession({ budget: 1000 });
    const idt = s0.readQword(s0.kpcr() + 0x38n)!;
    const { report } = json(`eq ${(idt + 0x80n).toString(16)} 0 0; bp nt!KiSystemCall64; g`);
    expect(report.outcome).toEqual({ kind: 'triple-fault' });
  });
});

describe('bin/kd.js', () => {
  it('runs on this Node with type stripping: --help exits 0, a bad option exits 2', () => {
    const help = spawnSync(process.execPath, [KD, '--help'], { encoding: 'utf8' });
    expect(help.status).toBe(0);
    expect(help.stdout).toBe(USAGE);
    const bad = spawnSync(process.execPath, [KD, '--nope'], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr.trim()).toBe("kd: unknown option '--nope' (see kd --help)");
  });
  it('-c prints the transcript', () => {
    const r = spawnSync(process.execPath, [KD, '-c', 'u nt!KiSystemCall64 L1; q'], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    const entry = addr64(new KdSession({ budget: 1 }).kernel.symbols.resolve('nt!KiSystemCall64')!);
    expect(r.stdout).toBe(`0: kd> u nt!KiSystemCall64 L1\nnt!KiSystemCall64:\n${entry} 0f01f8          swapgs\n0: kd> q\nquit:\n`);
  });
});
