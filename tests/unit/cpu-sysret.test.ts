// SYSRET as each vendor's manual specifies it, checked against the pseudo-code:
// Intel SDM Vol. 2B "SYSRET" (June 2023, 325462-080) and AMD APM Vol. 3 "SYSRET".
// Both: #UD if EFER.SCE = 0, #GP(0) at CPL != 0, CS = STAR[63:48] + 16 | 3, SS = STAR[63:48] + 8 | 3,
// RFLAGS = R11 with RF and VM cleared and bit 1 set, CPL 3, RSP untouched. They differ on a
// non-canonical RCX: Intel raises #GP(0) at CPL 0 before changing anything; AMD completes the
// return and the fetch from RCX faults at CPL 3. AMD also leaves SS's hidden part as it was.
import { describe, expect, it } from 'vitest';
import { MSR_GS_BASE, MSR_KERNEL_GS_BASE, cpuid } from '../../emulator/src/cpu/index.ts';
import { world, runToStub, frame, KSTACK_TOP, UCODE, USTACK_TOP } from './cpu-exec-harness.ts';

const VENDORS = ['intel', 'amd'] as const;
const NONCANONICAL = 0x800000000000n; // 1 << 47: the lowest non-canonical address above user space
const USER_GS = 0x900000n, KERNEL_GS = 0xfffff80000040000n;

/** A user program that makes a system call, and a kernel that returns the way Windows does:
 *  user RSP back first, then swapgs, then sysretq (rcx from `rcx`). */
function exitWorld(vendor: 'intel' | 'amd', rcx: string) {
  const w = world({
    vendor,
    user: 'syscall\nafter: nop\nhlt',
    kernel: `entry: swapgs\nmov r8, rsp\nmov rsp, 0${(KSTACK_TOP - 0x100n).toString(16)}h\nmov rcx, ${rcx}\nmov rsp, r8\nswapgs\nsysretq`,
  });
  w.m.writeMsr(MSR_GS_BASE, USER_GS);
  w.m.writeMsr(MSR_KERNEL_GS_BASE, KERNEL_GS);
  return w;
}

describe('SYSRET, both vendors', () => {
  for (const vendor of VENDORS) {
    it(`${vendor}: CS and SS from STAR[63:48], RIP from RCX, RFLAGS from R11 with RF and VM cleared and bit 1 set, RSP kept`, () => {
      const { m, klabels } = world({ vendor, cpl: 0, kernel: 'entry: mov rcx, 400010h\nmov r11, 30ed7h\nsysretq' });
      m.setReg('rip', klabels.get('entry')!);
      const rsp = m.getReg('rsp');
      expect(m.step()).toBeNull();
      expect(m.step()).toBeNull();
      expect(m.step()).toBeNull(); // sysretq
      expect(m.getSeg('cs').selector).toBe(0x33); // 0023h + 16, RPL 3
      expect(m.getSeg('ss').selector).toBe(0x2b); // 0023h + 8, RPL 3
      expect(m.getReg('rip')).toBe(0x400010n);
      // R11 = 30ED7h: RF (bit 16) and VM (bit 17) set, bit 1 clear -> 0ED7h | 2 = 0ED7h
      expect(m.getReg('rflags')).toBe((0x30ed7n & 0x3c7fd7n) | 2n);
      expect(m.getReg('rflags') & (3n << 16n)).toBe(0n);
      expect(m.getReg('rsp')).toBe(rsp);
      expect(m.events.events.find((e) => e.kind === 'cpl-change')).toMatchObject({ from: 0, to: 3, cause: 'sysret' });
    });

    it(`${vendor}: #GP(0) at CPL 3, #UD with EFER.SCE = 0`, () => {
      const a = world({ vendor, user: 'sysretq' });
      expect(runToStub(a.m).vector).toBe(13);
      expect(frame(a.m, true)).toMatchObject({ error: 0n, rip: UCODE, cs: 0x33n });
      const b = world({ vendor, cpl: 0, sce: false, kernel: 'sysretq' });
      expect(runToStub(b.m).vector).toBe(6);
    });

    it(`${vendor}: CPUID leaf 0 names the vendor`, () => {
      const [, ebx, ecx, edx] = cpuid(0, 0, vendor);
      const s = [ebx, edx, ecx].map((v) => String.fromCharCode(v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24)).join('');
      expect(s).toBe(vendor === 'amd' ? 'AuthenticAMD' : 'GenuineIntel');
      const { m } = world({ vendor, cpl: 0, kernel: 'xor eax, eax\ncpuid' });
      m.step(); m.step();
      expect(Number(m.getReg('rbx'))).toBe(ebx);
    });
  }
});

describe('SYSRET with a non-canonical RCX', () => {
  it('Intel: #GP(0) at CPL 0, before anything changes: on the user stack, with the user GS base, RFLAGS not loaded', () => {
    const { m } = exitWorld('intel', `${NONCANONICAL.toString(16)}h`);
    const userRsp = m.getReg('rsp');
    for (let i = 0; i < 7; i++) expect(m.step()).toBeNull(); // syscall .. swapgs
    const flagsAtSysret = m.getReg('rflags');
    const sysretAt = m.getReg('rip');
    expect(m.getReg('rsp')).toBe(userRsp);
    expect(m.readMsr(MSR_GS_BASE)).toBe(USER_GS);
    const { vector } = runToStub(m);
    expect(vector).toBe(13);
    const f = frame(m, true);
    expect(f.error).toBe(0n);
    expect(f.cs).toBe(0x10n); // the fault interrupted kernel code
    expect(f.rip).toBe(sysretAt); // the sysretq itself (a fault)
    expect(f.rflags & ~0x10000n).toBe(flagsAtSysret); // R11 was not loaded (RF is set in a fault's saved image, SDM Vol. 3A §17.3.1.1)
    expect(f.rsp).toBe(userRsp); // ... and the frame holds the user stack pointer
    expect(m.getReg('rsp')).toBe((userRsp & ~0xfn) - 48n); // pushed onto the user stack: no stack switch at CPL 0
    expect(m.readMsr(MSR_GS_BASE)).toBe(USER_GS); // the handler starts with the user's GS base
    expect(m.events.events.find((e) => e.kind === 'exception-delivered')).toMatchObject({ vector: 13, fromCpl: 0, toCpl: 0 });
    expect(m.events.events.some((e) => e.kind === 'sysret')).toBe(false);
  });

  it('AMD: the return completes, then the fetch from RCX raises #GP(0) at CPL 3 on the kernel stack', () => {
    const { m } = exitWorld('amd', `${NONCANONICAL.toString(16)}h`);
    const userRsp = m.getReg('rsp');
    for (let i = 0; i < 8; i++) expect(m.step()).toBeNull(); // syscall .. sysretq
    expect(m.getSeg('cs').selector).toBe(0x33);
    expect(m.getReg('rip')).toBe(NONCANONICAL);
    expect(m.events.events.find((e) => e.kind === 'sysret')).toMatchObject({ target: NONCANONICAL });
    const { vector } = runToStub(m);
    expect(vector).toBe(13);
    const f = frame(m, true);
    expect(f).toMatchObject({ error: 0n, rip: NONCANONICAL, cs: 0x33n, rsp: userRsp, ss: 0x2bn });
    expect(m.getReg('rsp')).toBe(KSTACK_TOP - 48n); // privilege change: RSP0 from the TSS
    expect(m.events.events.find((e) => e.kind === 'exception-delivered')).toMatchObject({ vector: 13, fromCpl: 3, toCpl: 0 });
  });

  it('AMD: SYSRET loads the SS selector and leaves its hidden part (APM: "SS.base, limit, attr not changed")', () => {
    const { m } = exitWorld('amd', `${(UCODE + 1n).toString(16)}h`);
    for (let i = 0; i < 7; i++) m.step();
    const ssBefore = m.getSeg('ss');
    m.step(); // sysretq
    expect(m.getSeg('ss')).toEqual({ ...ssBefore, selector: 0x2b });
    const intel = exitWorld('intel', `${(UCODE + 1n).toString(16)}h`);
    for (let i = 0; i < 8; i++) intel.m.step();
    expect((intel.m.getSeg('ss').attributes >> 5) & 3).toBe(3); // Intel: fixed flat DPL-3 data descriptor
  });

  it('a snapshot keeps the vendor', () => {
    const { m } = world({ vendor: 'amd' });
    expect(m.snapshot().vendor).toBe('amd');
    const { m: i } = world({});
    expect(i.snapshot().vendor).toBeUndefined();
  });
});

void USTACK_TOP;
