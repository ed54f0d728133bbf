// More bugs the differential fuzzer found against the host CPU (tests/oracle/fuzz), each reduced to
// one instruction: alignment checks, the 16-bit forms of LEAVE and PUSH/POP FS/GS, and BT's bit
// displacement under a 32-bit address size with an FS/GS base.

import { describe, it, expect } from 'vitest';
import { world, runToStub, frame, UDATA, UCODE } from './cpu-exec-harness.ts';

const AC = 1n << 18n;
const AM = 1n << 18n;

describe('#AC: alignment checking at CPL 3 (SDM Vol. 3A §6.15 "Interrupt 17", Table 6-7)', () => {
  const acWorld = (src: string, am = true, ac = true) => {
    const w = world({ user: src });
    if (am) w.m.setCr(0, w.m.getCr(0) | AM);
    w.m.setReg('rflags', w.m.getReg('rflags') | (ac ? AC : 0n));
    w.m.setReg('rbx', UDATA + 1n);
    return w;
  };
  it('a misaligned dword read with CR0.AM and RFLAGS.AC raises #AC(0), before any state changes', () => {
    const { m } = acWorld('mov eax, dword ptr [rbx]');
    m.setReg('rax', 5n);
    expect(runToStub(m).vector).toBe(17);
    expect(frame(m, true).error).toBe(0n);
    expect(m.getReg('rax')).toBe(5n);
  });
  it('writes, read-modify-write and stack pushes are checked too', () => {
    for (const src of ['mov word ptr [rbx], ax', 'add qword ptr [rbx], 1', 'mov rsp, rbx\npush rax']) {
      const { m } = acWorld(src);
      expect(runToStub(m).vector, src).toBe(17);
    }
  });
  it('an aligned access, a byte access, AC clear or CR0.AM clear raise nothing', () => {
    for (const [src, am, ac] of [['mov eax, dword ptr [rbx+3]', true, true], ['mov al, byte ptr [rbx]', true, true],
      ['mov eax, dword ptr [rbx]', true, false], ['mov eax, dword ptr [rbx]', false, true]] as const) {
      const { m } = acWorld(src + '\nint3', am, ac);
      expect(runToStub(m).vector, `${src} AM=${am} AC=${ac}`).toBe(3);
    }
  });
});

describe('16-bit LEAVE and PUSH/POP FS/GS (66h prefix; SDM Vol. 2A LEAVE, Vol. 2B PUSH and POP)', () => {
  it('leave with 66h: RSP <- RBP, then BP alone is popped (RBP\'s upper bits stay) and RSP moves by 2', () => {
    const { m } = world({ user: 'db 66h, 0c9h' });
    m.setReg('rbp', UDATA + 0x100n);
    m.writeVirtual(UDATA + 0x100n, [0x34, 0x12, 0xff, 0xff]);
    m.step();
    expect(m.getReg('rsp')).toBe(UDATA + 0x102n);
    expect(m.getReg('rbp')).toBe(((UDATA + 0x100n) & ~0xffffn) | 0x1234n);
  });
  it('push fs with 66h stores two bytes; pop fs with 66h pops two', () => {
    const { m } = world({ user: 'db 66h, 0fh, 0a0h\ndb 66h, 0fh, 0a1h\nhlt' });
    const rsp = m.getReg('rsp');
    m.step();
    expect(m.getReg('rsp')).toBe(rsp - 2n);
    m.step();
    expect(m.getReg('rsp')).toBe(rsp);
  });
});

describe('BT with a register bit offset, a 32-bit address size and an FS prefix (SDM Vol. 1 §3.3.7)', () => {
  it('the offset plus the bit displacement wraps at 2^32 before the FS base is added', () => {
    // bt dword ptr fs:[ebx], ecx: EA = ebx; + (ecx >> 5) * 4 wraps at 2^32 into the data page
    const { m } = world({ user: 'db 67h, 64h, 0fh, 0a3h, 0bh\nint3' });
    m.setReg('rbx', 0xfffffff0n);
    m.setReg('rcx', BigInt((Number(UDATA) + 0x10) * 8 + 3));
    m.writeVirtual(UDATA, [8, 0, 0, 0]); // bit 3
    m.step();
    expect(m.getReg('rflags') & 1n).toBe(1n);
  });
});

describe('#AC on the modeled Windows (CR0.AM is set, as kd shows on Windows 10 x64)', () => {
  it('user code that sets RFLAGS.AC and reads misaligned gets STATUS_DATATYPE_MISALIGNMENT through nt!KiAlignmentFault', async () => {
    const { runProgramWith } = await import('../../emulator/src/scenario/program.ts');
    const { bootModeledWindows } = await import('../../emulator/src/scenario/index.ts');
    for (const kvaShadow of [false, true]) {
      const src = 'pushfq\nor dword ptr [rsp], 40000h\npopfq\nmov eax, dword ptr [rsp+1]\nint 3\n';
      const r = runProgramWith({ id: 'ac', source: src, options: { kvaShadow } }, bootModeledWindows);
      expect(r.ok).toBe(true);
      if (!r.ok) return;
      expect(r.trace.transcript[0].output, `kvaShadow=${kvaShadow}`).toContain('exited with status 80000002');
    }
  });
});

describe('IRETQ with RFLAGS.NT set (SDM Vol. 2A IRET, IA-32e mode: "IF NT = 1 THEN #GP(0)")', () => {
  it('raises #GP(0) before it reads its frame, whatever the frame holds', () => {
    const { m } = world({ user: 'iretq' });
    m.setReg('rflags', m.getReg('rflags') | (1n << 14n));
    m.setReg('rsp', 0x10n); // not mapped: a pop would #PF
    expect(runToStub(m).vector).toBe(13);
    expect(frame(m, true).error).toBe(0n);
  });
});

describe('BSWAP of a 16-bit register (66h; SDM Vol. 2A BSWAP: "the result is undefined")', () => {
  it('executes (no #UD) and leaves the upper bits of the register alone', () => {
    const { m } = world({ user: 'db 66h, 0fh, 0c8h' });
    m.setReg('rax', 0x1122334455667788n);
    m.step();
    expect(m.getReg('rip')).toBe(UCODE + 3n); // the next instruction: no fault
    expect(m.getReg('rax') >> 16n).toBe(0x112233445566n);
  });
});
