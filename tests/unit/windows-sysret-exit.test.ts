// The way back from a system call on the modeled kernel: KiSystemServiceExit restores the user
// context, swaps GS back and leaves with sysretq; its (assumed) canonical check of the saved RIP;
// and what a non-canonical return address does under each vendor and each exit.
import { describe, expect, it } from 'vitest';
import { runScenario, type Scenario } from '../../emulator/src/scenario/index.ts';
import { CpuStepper } from '../../emulator/src/scenario/cpu-stepper.ts';
import { bootModeledWindows } from '../../emulator/src/scenario/index.ts';
import { MACHINE_OPTIONS } from '../../emulator/src/windows/index.ts';
import { boot } from '../../emulator/src/windows/boot.ts';

const EDIT = ['bp nt!KiSystemServiceExit', 'g', 'bc 0', 'eq @rbp+e8 800000000000', 'g'];
const run = (options: Scenario['options'], extra: string[] = [], budget = 150_000) =>
  runScenario({ id: 'sysret-exit', options, commands: [...EDIT, ...extra], budget });

describe('KiSystemServiceExit', () => {
  it('the options are in the one list, and the boot passes the vendor to the CPU', () => {
    expect(MACHINE_OPTIONS.map((o) => o.name)).toEqual(expect.arrayContaining(['amdCpu', 'sysretUnchecked']));
    expect(boot({ amdCpu: true }).machine.vendor).toBe('amd');
    expect(boot({}).machine.vendor).toBe('intel');
  });

  it('ends with mov rbp,r9 / mov rsp,r8 / swapgs / sysretq, and the registers sysretq reads come from the trap frame', () => {
    const s = CpuStepper.start(bootModeledWindows, {}, 'nt!KiSystemServiceExit+0xaf');
    const names: string[] = [];
    for (let i = 0; i < 4; i++) { names.push(s.view().line); s.step(); }
    expect(names.map((l) => l.replace(/\s+/g, ' ').replace(/^.*? [0-9a-f]+ /, ''))).toEqual([
      'mov rbp,r9', 'mov rsp,r8', 'swapgs', 'sysretq',
    ]);
    const v = s.view();
    expect(v.at).toMatch(/^ntdll!/); // back in user mode, after the syscall instruction of a stub
  });

  it('a canonical return: the thread goes on (the next system call reaches the exit again)', () => {
    const t = runScenario({ id: 'x', commands: ['bp nt!KiSystemServiceExit', 'g', 'g'] });
    expect(t.outcome).toMatchObject({ kind: 'break', at: 'nt!KiSystemServiceExit' });
  });

  it('Intel, with the check: the thread gets an access violation in user mode and the process ends', () => {
    const t = run({});
    expect(t.outcome.kind).toBe('exited');
    expect(t.transcript.at(-1)!.output).toMatch(/status c0000005/);
    expect(t.routines ?? []).not.toContain('nt!KiGeneralProtectionFault');
  });

  it('AMD, without the check: sysretq completes and the fetch faults in user mode; the process ends the same way', () => {
    const t = run({ amdCpu: true, sysretUnchecked: true });
    expect(t.outcome.kind).toBe('exited');
    expect(t.transcript.at(-1)!.output).toMatch(/status c0000005/);
    // Stopped in the #GP handler (after its swapgs), the chain shows the order.
    const at = runScenario({ id: 'x', options: { amdCpu: true, sysretUnchecked: true }, commands: [...EDIT.slice(0, 4), 'bp nt!KiGeneralProtectionFault+0x8b', 'g', 'dq @rbp+e8 L1', 'dw @rbp+f0 L1'] });
    expect(at.outcome).toMatchObject({ kind: 'break', at: 'nt!KiGeneralProtectionFault+0x8b' });
    expect(at.transcript.at(-2)!.output).toMatch(/00008000`00000000/);
    expect(at.transcript.at(-1)!.output).toMatch(/ 0033$/m);
    const sysret = at.events.find((e) => e.kind === 'sysret');
    expect(sysret).toBeTruthy();
    expect(at.events.find((e) => e.kind === 'exception-delivered' && (e as { vector?: number }).vector === 13)).toMatchObject({ vector: 13, fromCpl: 3, toCpl: 0 });
  });

  it('Intel, without the check: #GP at CPL 0 on the user stack with the user GS base; kd hears nothing', () => {
    const t = run({ sysretUnchecked: true }, ['rdmsr c0000101', '? @$teb']);
    expect(t.outcome.kind).toBe('budget');
    const gp = t.events.find((e) => e.kind === 'exception-delivered' && (e as { vector?: number }).vector === 13) as Record<string, unknown> | undefined;
    expect(gp).toMatchObject({ fromCpl: 0, toCpl: 0 });
    expect(t.events.some((e) => e.kind === 'sysret')).toBe(false);
  });

  it('Intel, without the check, #DF reloading GS: bug check 7F, first argument 8', () => {
    const t = run({ sysretUnchecked: true, dfReloadsGs: true });
    expect(t.outcome).toMatchObject({ kind: 'bugcheck', code: 0x7f });
  });

  it('AMD with the check: the check decides first, as on Intel', () => {
    const t = run({ amdCpu: true });
    expect(t.outcome.kind).toBe('exited');
    expect(t.events.some((e) => e.kind === 'sysret' && String((e as { target?: unknown }).target).startsWith('8000'))).toBe(false);
  });
});
