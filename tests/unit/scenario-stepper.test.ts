// The hardware-style stepper over the system-call entry. Expected facts come from the SDM
// (SWAPGS exchanges GS.base and IA32_KERNEL_GS_BASE; SYSCALL does not change RSP) and from the
// published KiSystemCall64 listing (RSP is loaded from gs:[1A8h] by the instruction at +0Ch).
import { describe, expect, it } from 'vitest';
import { CpuStepper, StepperError } from '../../emulator/src/scenario/cpu-stepper.ts';
import { bootModeledWindows } from '../../emulator/src/scenario/index.ts';

describe('CpuStepper over nt!KiSystemCall64', () => {
  it('shows RSP on the user stack until the instruction at +0Ch has run', () => {
    const s = CpuStepper.start(bootModeledWindows, {}, 'nt!KiSystemCall64');
    const v0 = s.view();
    expect(v0.at).toBe('nt!KiSystemCall64');
    expect(v0.line).toMatch(/swapgs/);
    expect(v0.state.cpl).toBe(0);
    expect(v0.rspSpace).toBe('user');
    s.step();
    const v1 = s.view();
    // SWAPGS exchanged the two bases.
    expect(v1.state.gsBase).toBe(v0.state.kernelGsBase);
    expect(v1.state.kernelGsBase).toBe(v0.state.gsBase);
    expect(v1.event).toBe('swapgs');
    // Before SWAPGS, gs:[10h] resolves into the user's GS area; after it, into the KPCR.
    expect(v0.memory[0].operand).toBe('gs:[10h]');
    expect(v0.memory[0].user).toBe(true);
    expect(v1.memory[0].user).toBe(false);
    expect(BigInt('0x' + v1.memory[1].address)).toBe(BigInt('0x' + v0.state.kernelGsBase) + 0x1a8n);
    s.step();
    expect(s.view().at).toBe('nt!KiSystemCall64+0xc');
    expect(s.view().rspSpace).toBe('user');
    expect(s.evaluate(['poi(@$pcr+10h)'])['poi(@$pcr+10h)']).toBe(v0.state.regs.rsp);
    s.step();
    const v3 = s.view();
    expect(v3.at).toBe('nt!KiSystemCall64+0x15');
    expect(v3.rspSpace).toBe('kernel');
    const e = s.evaluate(['@rsp', 'poi(@$pcr+1A8h)']);
    expect(e['@rsp']).toBe(e['poi(@$pcr+1A8h)']);
    // push 2Bh and push qword ptr gs:[10h] build the top of the trap frame (SegSs at +188h, Rsp
    // at +180h of the 190h-byte _KTRAP_FRAME): the saved Rsp is the user stack pointer.
    s.step();
    s.step();
    const top = s.view().stack.find((x) => x.offset === 0)!;
    expect(top.frameField).toBe('_KTRAP_FRAME.Rsp (+0x180)');
    expect(top.value).toBe(v0.state.regs.rsp);
    expect(top.user).toBe(false);
  });

  it('step back restores the exact previous state, memory included', () => {
    const s = CpuStepper.start(bootModeledWindows, {}, 'nt!KiSystemCall64');
    const seen: string[] = [JSON.stringify(s.view())];
    for (let i = 0; i < 6; i++) { s.step(); seen.push(JSON.stringify(s.view())); }
    for (let i = 5; i >= 0; i--) {
      expect(s.back()).toBe(true);
      expect(JSON.stringify(s.view())).toBe(seen[i]);
    }
    expect(s.back()).toBe(false);
  });

  it('refuses a start it cannot reach or read', () => {
    expect(() => CpuStepper.start(bootModeledWindows, {}, 'nt!NoSuchSymbol')).toThrow(StepperError);
    expect(() => CpuStepper.start(bootModeledWindows, {}, 'nt!NoSuchSymbol')).toThrow(/Cannot start the stepper at "nt!NoSuchSymbol"/);
  });
});

describe('CpuStepper from a later arrival (passes)', () => {
  it('passes=N starts at the N-th arrival: the program\'s fifth call is NtQueryInformationProcess', async () => {
    const { SERVICE_NUMBERS } = await import('../../emulator/src/windows/build.ts');
    const eax = (s: CpuStepper) => BigInt('0x' + s.evaluate(['@eax'])['@eax']);
    expect(eax(CpuStepper.start(bootModeledWindows, {}, 'nt!KiSystemServiceStart'))).toBe(BigInt(SERVICE_NUMBERS.NtQuerySystemTime));
    expect(eax(CpuStepper.start(bootModeledWindows, {}, 'nt!KiSystemServiceStart', 5))).toBe(BigInt(SERVICE_NUMBERS.NtQueryInformationProcess));
    expect(() => CpuStepper.start(bootModeledWindows, {}, 'nt!KiSystemServiceStart', 0)).toThrow(StepperError);
  });
});
