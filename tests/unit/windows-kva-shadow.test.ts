// KVA shadow in the modeled kernel: what each of the process's two page-table hierarchies maps
// (the CPU's own translation under each CR3, not a list kept by the boot), and where the guest's
// code switches CR3 on the way in and out. Expectations come from the MSRC post "KVA Shadow:
// Mitigating Meltdown on Windows" (2018: the user tables keep the user half plus the transition
// code and the per-processor data the entry needs) and from public listings of a kernel with
// 17134's offsets (KiSystemCall64Shadow: swapgs, gs:[7010h] <- rsp, rsp <- gs:[7000h], mov cr3,rsp;
// KiKernelSysretExit: UserDirectoryTableBase -> cr3, swapgs, sysret), never from the model's output.
import { describe, expect, it } from 'vitest';
import { bootWindows, layout, off } from '../../emulator/src/windows/index.ts';
import type { Kernel } from '../../emulator/src/windows/index.ts';

const { NT, PCR, THREAD, SHARED_DATA, USER } = layout;

function q(k: Kernel, va: bigint): bigint {
  const b = k.machine.readVirtual(va, 8)!;
  let v = 0n;
  for (let i = 7; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
  return v;
}
const sym = (k: Kernel, n: string) => k.symbols.resolve(n)!;

/** The CPU's translation of `va` with CR3 = `cr3` (the processor's view, SDM Vol. 3A §4.5). */
function mapsUnder(k: Kernel, cr3: bigint, va: bigint): boolean {
  const saved = k.cpu.getCr(3);
  k.cpu.setCr(3, cr3);
  try { return k.cpu.translate(va) !== null; } finally { k.cpu.setCr(3, saved); }
}

describe('KVA shadow: the two hierarchies', () => {
  const k = bootWindows({ kvaShadow: true });
  const proc = THREAD.eprocess;
  const kernelCr3 = q(k, proc + BigInt(off('_KPROCESS.DirectoryTableBase')));
  const userCr3 = q(k, proc + BigInt(off('_KPROCESS.UserDirectoryTableBase')));

  it('KPROCESS holds two directory bases; the KPRCB keeps the kernel one for the entry (gs:[7000h])', () => {
    expect(userCr3).not.toBe(kernelCr3);
    expect(q(k, PCR.kpcr + 0x180n + BigInt(off('_KPRCB.KernelDirectoryTableBase')))).toBe(kernelCr3);
    // The program runs on the user tables (boot hands over in user mode with the user CR3).
    expect(k.cpu.getCr(3)).toBe(userCr3);
  });

  const userMapped: Array<[string, bigint]> = [
    ['KiSystemCall64Shadow (KVASCODE)', 0n],
    ['the IDT', PCR.idt],
    ['the GDT and TSS page', PCR.gdt],
    ['the KPCR page with the four shadow fields (gs:[7000h])', PCR.kpcr + 0x7000n],
    ['the transition stack (TSS.RSP0)', PCR.transitionStackTop - 8n],
    ['the #DF stack (IST1)', PCR.istTops[1] - 8n],
    ['the #DB stack (IST4)', PCR.istTops[4] - 8n],
    ['the program', USER.imageText],
    ['ntdll', USER.ntdllStubs],
    ['the user stack', USER.stackBase - 8n],
    ['the TEB', USER.teb],
    ['KUSER_SHARED_DATA (user alias)', SHARED_DATA.user],
  ];
  const kernelOnly: Array<[string, bigint]> = [
    ['nt .text (KiSystemCall64)', NT.text],
    ['nt .data (KiKvaShadow)', NT.data],
    ['the first KPCR page (gs:[0]..gs:[FFFh])', PCR.kpcr],
    ['the thread\'s kernel stack', THREAD.stackBase - 8n],
    ['the ETHREAD', THREAD.ethread],
    ['the EPROCESS', THREAD.eprocess],
    ['KUSER_SHARED_DATA (kernel alias)', SHARED_DATA.kernel],
    ['the self-map', 0xfffff6fb7dbed000n],
  ];
  for (const [what, at] of userMapped) {
    it(`both CR3s map ${what}`, () => {
      const va = at === 0n ? sym(k, 'nt!KiSystemCall64Shadow') : at;
      expect(mapsUnder(k, userCr3, va)).toBe(true);
      expect(mapsUnder(k, kernelCr3, va)).toBe(true);
    });
  }
  for (const [what, va] of kernelOnly) {
    it(`only the kernel CR3 maps ${what}`, () => {
      expect(mapsUnder(k, kernelCr3, va)).toBe(true);
      expect(mapsUnder(k, userCr3, va)).toBe(false);
    });
  }
  it('the shadow kernel pages are supervisor pages; the same physical page under both CR3s', () => {
    const va = sym(k, 'nt!KiSystemCall64Shadow');
    k.cpu.setCr(3, userCr3);
    const u = k.cpu.translate(va)!;
    k.cpu.setCr(3, kernelCr3);
    const kk = k.cpu.translate(va)!;
    k.cpu.setCr(3, userCr3);
    expect(u.user).toBe(false);
    expect(u.pa).toBe(kk.pa);
  });
  it('the user half is shared: the lower 256 PML4 entries of both hierarchies are equal', () => {
    const a = k.cpu.phys.read(kernelCr3, 2048), b = k.cpu.phys.read(userCr3, 2048);
    expect(Array.from(b)).toEqual(Array.from(a));
  });
  it('TSS.RSP0 is the transition stack, not the thread\'s kernel stack', () => {
    expect(q(k, PCR.tss + 4n)).toBe(PCR.transitionStackTop);
    expect(q(k, PCR.kpcr + 0x180n + BigInt(off('_KPRCB.RspBaseShadow')))).toBe(q(k, PCR.kpcr + 0x180n + BigInt(off('_KPRCB.RspBase'))));
  });
});

describe('KVA shadow off', () => {
  const k = bootWindows();
  it('one hierarchy: UserDirectoryTableBase and RspBaseShadow are 0, TSS.RSP0 is the thread\'s stack', () => {
    expect(q(k, THREAD.eprocess + BigInt(off('_KPROCESS.UserDirectoryTableBase')))).toBe(0n);
    expect(q(k, PCR.kpcr + 0x180n + BigInt(off('_KPRCB.RspBaseShadow')))).toBe(0n);
    expect(q(k, PCR.tss + 4n)).toBe(q(k, PCR.kpcr + 0x180n + BigInt(off('_KPRCB.RspBase'))));
    expect(k.cpu.getCr(3)).toBe(q(k, THREAD.eprocess + BigInt(off('_KPROCESS.DirectoryTableBase'))));
  });
});

describe('KVA shadow: the CR3 switch on entry and exit', () => {
  it('syscall arrives on the user CR3; mov cr3,rsp loads the kernel one; sysret leaves on the user one', () => {
    const k = bootWindows({ kvaShadow: true });
    const kernelCr3 = q(k, THREAD.eprocess + BigInt(off('_KPROCESS.DirectoryTableBase')));
    const userCr3 = q(k, THREAD.eprocess + BigInt(off('_KPROCESS.UserDirectoryTableBase')));
    const seen: string[] = [];
    const entry = sym(k, 'nt!KiSystemCall64Shadow');
    const rec = (name: string) => (m: typeof k.cpu) => { seen.push(`${name}:${m.getCr(3) === userCr3 ? 'user' : m.getCr(3) === kernelCr3 ? 'kernel' : 'other'}`); };
    k.cpu.addHook(entry, rec('entry'));
    k.cpu.addHook(sym(k, 'nt!KiSystemServiceUser'), rec('service'));
    k.cpu.addHook(sym(k, 'nt!KiKernelSysretExit'), rec('exit'));
    // The instruction after the exit's sysretq: the user code the syscall came from.
    const ret = sym(k, 'ntdll!NtQuerySystemTime') + 0x14n;
    k.cpu.addHook(ret, rec('user'));
    k.cpu.run({ budget: 400 });
    expect(seen.slice(0, 4)).toEqual(['entry:user', 'service:kernel', 'exit:kernel', 'user:user']);
  });
  it('a user-mode breakpoint goes through KiBreakpointTrapShadow and back through KiKernelIretExit', () => {
    const k = bootWindows({ kvaShadow: true });
    const userCr3 = q(k, THREAD.eprocess + BigInt(off('_KPROCESS.UserDirectoryTableBase')));
    const seen: string[] = [];
    // (KdpReport carries the kernel's own stop hook: the stop itself is that observation.)
    for (const n of ['nt!KiBreakpointTrapShadow', 'nt!KiBreakpointTrap', 'nt!KiKernelIretExit']) {
      k.cpu.addHook(sym(k, n), (m) => { seen.push(`${n}:${m.getCr(3) === userCr3 ? 'user' : 'kernel'}`); });
    }
    // int 3 over the first byte of ntdll!NtClose (kd's breakpoint, written as a debugger does).
    const at = sym(k, 'ntdll!NtClose');
    const orig = k.machine.readVirtual(at, 1)!;
    k.machine.writeVirtual(at, new Uint8Array([0xcc]));
    const stop = k.resume({ budget: 200_000 });
    expect(stop.kind).toBe('debug-break');
    seen.push(`report:${k.cpu.getCr(3) === userCr3 ? 'user' : 'kernel'}`);
    k.machine.writeVirtual(at, orig);
    k.machine.setReg('rip', at);
    k.cpu.addHook(at, (m) => { seen.push(`NtClose again:${m.getCr(3) === userCr3 ? 'user' : 'kernel'}`); });
    k.resume({ budget: 2_000 });
    // After the iretq the program resumes at NtClose on the user tables.
    expect(seen.slice(0, 5)).toEqual(['nt!KiBreakpointTrapShadow:user', 'nt!KiBreakpointTrap:kernel', 'report:kernel', 'nt!KiKernelIretExit:kernel', 'NtClose again:user']);
  });
});
