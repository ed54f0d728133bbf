// The modeled Windows kernel: boot state, the system-call loop, and the headline breakpoint
// scenarios, asserted from machine state and the CPU's event log. Expected values come from the
// seed and the published facts (bytes, selectors, MSR values, Windows constants) or from the
// architecture (frame geometry per SDM Vol. 3A §6.14), never from our own output.

import { describe, it, expect } from 'vitest';
import * as iced from 'iced-x86';
import { bootWindows, STRUCTS } from '../../emulator/src/windows/index.ts';
import type { Kernel, KernelStop, WindowsOptions } from '../../emulator/src/windows/index.ts';

const LSTAR = 0xc0000082, GS_BASE = 0xc0000101, KERNEL_GS_BASE = 0xc0000102;
const fieldOff = (s: string, f: string) => STRUCTS[s].fields.find((x) => x.name === f)!.offset;

function q(k: Kernel, va: bigint): bigint {
  const b = k.machine.readVirtual(va, 8)!;
  let v = 0n;
  for (let i = 7; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
  return v;
}
const toHex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
const sym = (k: Kernel, name: string) => {
  const a = k.symbols.resolve(name);
  if (a === undefined) throw new Error(`no symbol ${name}`);
  return a;
};

/** Records, at ntdll!NtQuerySystemTime's syscall instruction, the user state SYSCALL will save. */
function watchFirstSyscall(k: Kernel) {
  const seen: { rsp: bigint; rflags: bigint; ret: bigint; teb: bigint }[] = [];
  const at = sym(k, 'ntdll!NtQuerySystemTime') + 0x12n;
  k.cpu.addHook(at, (m) => { seen.push({ rsp: m.getReg('rsp'), rflags: m.getReg('rflags'), ret: at + 2n, teb: m.readMsr(GS_BASE) }); });
  return seen;
}

const OPTIONS: Array<[string, WindowsOptions]> = [['default', {}], ['smap', { smap: true }], ['kvaShadow', { kvaShadow: true }]];

describe('boot', () => {
  it('LSTAR holds nt!KiSystemCall64, or KiSystemCall64Shadow with KVA shadow', () => {
    const k = bootWindows();
    expect(k.cpu.readMsr(LSTAR)).toBe(sym(k, 'nt!KiSystemCall64'));
    const s = bootWindows({ kvaShadow: true });
    expect(s.cpu.readMsr(LSTAR)).toBe(sym(s, 'nt!KiSystemCall64Shadow'));
  });

  it('KiSystemCall64 starts with the seed\'s four instructions, byte for byte', () => {
    const k = bootWindows();
    const bytes = k.cpu.readVirtual(sym(k, 'nt!KiSystemCall64'), 0x17)!;
    const hex = toHex(bytes);
    expect(hex).toBe('0f01f8' + '654889242510000000' + '65488b2425a8010000' + '6a2b');
    // Independent decode (iced-x86): four instructions at +0, +3, +0Ch, +15h.
    const dec = new iced.Decoder(64, bytes, iced.DecoderOptions.None);
    const starts: number[] = [];
    while (dec.canDecode) { const ins = dec.decode(); starts.push(Number(ins.ip)); ins.free(); }
    dec.free();
    expect(starts).toEqual([0, 3, 0xc, 0x15]);
  });

  it('ntdll stubs have the 17134 shape and bytes (NtTerminateProcess, service 2Ch)', () => {
    const k = bootWindows();
    const hex = toHex(k.machine.readVirtual(sym(k, 'ntdll!NtTerminateProcess'), 0x18)!);
    expect(hex).toBe('4c8bd1' + 'b82c000000' + 'f604250803fe7f01' + '7503' + '0f05' + 'c3' + 'cd2e' + 'c3');
  });

  it('the KVA-shadow entry has the published listing\'s instructions through +2Dh, with 17134\'s offsets', () => {
    const k = bootWindows({ kvaShadow: true });
    const hex = toHex(k.cpu.readVirtual(sym(k, 'nt!KiSystemCall64Shadow'), 0x2f)!);
    // The published listing (a 2004-or-later kernel) reads gs:[9000h..9018h]; 17134 keeps the four
    // fields at KPRCB+6E80h.. (Vergilius 10.0.17134.1), so the disp32 of each gs: operand differs.
    const gs = (f: string) => toHex(new Uint8Array(new Uint32Array([0x180 + fieldOff('_KPRCB', f)]).buffer));
    expect(gs('KernelDirectoryTableBase')).toBe('00700000');
    expect(hex).toBe('0f01f8' + '6548892425' + gs('UserRspShadow') + '65488b2425' + gs('KernelDirectoryTableBase') +
      '650fba2425' + gs('ShadowFlags') + '01' + '7203' + '0f22dc' + '65488b2425' + gs('RspBaseShadow') + '6a2b');
  });

  it('MSRs, control registers and selectors are Windows\' values', () => {
    for (const [, o] of OPTIONS) {
      const k = bootWindows(o);
      const m = k.cpu;
      expect(m.readMsr(0xc0000080)).toBe(0xd01n);                 // EFER: SCE LME LMA NXE
      expect(m.readMsr(0xc0000081)).toBe(0x0023001000000000n);    // STAR
      expect(m.readMsr(0xc0000084)).toBe(0x4700n);                // FMASK
      expect(m.getCr(0)).toBe(0x80050031n);
      expect((m.getCr(4) >> 20n) & 1n).toBe(1n);                  // SMEP on by default
      expect((m.getCr(4) >> 21n) & 1n).toBe(o.smap ? 1n : 0n);
      // User mode at the first instruction: CS 33h, SS 2Bh, GS base = TEB, KERNEL_GS_BASE = KPCR.
      expect(m.getSeg('cs').selector).toBe(0x33);
      expect(m.getSeg('ss').selector).toBe(0x2b);
      expect(m.readMsr(KERNEL_GS_BASE)).toBe(k.kpcr);
      const teb = m.readMsr(GS_BASE);
      expect(q(k, teb + 0x30n)).toBe(teb);                           // NT_TIB.Self
      expect(q(k, k.kpcr + 0x18n)).toBe(k.kpcr);                     // KPCR.Self
      expect(q(k, k.kpcr + 0x20n)).toBe(k.kpcr + 0x180n);            // KPCR.CurrentPrcb
    }
    expect(bootWindows({ smep: false }).cpu.getCr(4) & (1n << 20n)).toBe(0n);
  });

  it('IDT: Windows\' handlers, #BP and int 2Eh callable from user mode, #DF on IST1', () => {
    for (const shadow of [false, true]) {
      const k = bootWindows({ kvaShadow: shadow });
      const idt = q(k, k.kpcr + 0x38n);
      const gate = (v: number) => {
        const lo = q(k, idt + BigInt(v * 16)), hi = q(k, idt + BigInt(v * 16 + 8));
        const target = (lo & 0xffffn) | (((lo >> 48n) & 0xffffn) << 16n) | ((hi & 0xffffffffn) << 32n);
        return { target, selector: Number((lo >> 16n) & 0xffffn), ist: Number((lo >> 32n) & 7n), dpl: Number((lo >> 45n) & 3n), type: Number((lo >> 40n) & 0xfn) };
      };
      const s = shadow ? 'Shadow' : '';
      expect(gate(3)).toMatchObject({ target: sym(k, `nt!KiBreakpointTrap${s}`), selector: 0x10, dpl: 3, ist: 0, type: 0xe });
      expect(gate(8)).toMatchObject({ target: sym(k, `nt!KiDoubleFaultAbort${s}`), dpl: 0, ist: 1 });
      expect(gate(14)).toMatchObject({ target: sym(k, `nt!KiPageFault${s}`), dpl: 0, ist: 0 });
      expect(gate(0x2e)).toMatchObject({ target: sym(k, `nt!KiSystemService${s}`), dpl: 3 });
      expect(gate(1).ist).toBe(shadow ? 4 : 0);
    }
  });

  it('KVA shadow: the user page tables map the shadow entry but not KiSystemCall64', () => {
    const k = bootWindows({ kvaShadow: true });
    expect(k.cpu.translate(sym(k, 'nt!KiSystemCall64Shadow'))).not.toBeNull();
    expect(k.cpu.translate(sym(k, 'nt!KiSystemCall64'))).toBeNull();
    expect(k.cpu.translate(k.kpcr)).toBeNull();
    expect(k.cpu.translate(k.kpcr + BigInt(0x180 + fieldOff('_KPRCB', 'KernelDirectoryTableBase')))).not.toBeNull();
    expect(k.cpu.translate(0x7ffe0000n)?.user).toBe(true);
  });
});

describe('the system-call loop', () => {
  it('reaches KiSystemCall64 again and again and returns each service\'s status to user mode', () => {
    for (const [, o] of OPTIONS) {
      const k = bootWindows(o);
      const statuses: bigint[] = [];
      // After each ntdll stub's syscall (at its ret) and after the program's own syscall.
      for (const n of ['NtQuerySystemTime', 'NtYieldExecution', 'NtClose']) k.cpu.addHook(sym(k, `ntdll!${n}`) + 0x14n, (m) => { statuses.push(m.getReg('rax')); });
      const direct = k.cpu.events;
      const stop = k.resume({ budget: 3000 });
      expect(stop.kind).toBe('budget');
      const sys = direct.events.filter((e) => e.kind === 'syscall');
      expect(sys.length).toBeGreaterThan(10);
      expect(sys.every((e) => e.kind === 'syscall' && e.target === k.cpu.readMsr(LSTAR))).toBe(true);
      const ret = direct.events.filter((e) => e.kind === 'sysret');
      expect(ret.length).toBeGreaterThanOrEqual(sys.length - 1);
      // ntstatus.h: STATUS_SUCCESS, STATUS_NO_YIELD_PERFORMED, STATUS_INVALID_HANDLE
      expect(statuses.slice(0, 6)).toEqual([0n, 0x40000024n, 0xc0000008n, 0n, 0x40000024n, 0xc0000008n]);
    }
  });

  it('an unknown service number returns STATUS_INVALID_SYSTEM_SERVICE', () => {
    const k = bootWindows();
    const after = sym(k, 'svcloop!wmain');
    let rax: bigint | null = null;
    // The program's direct `syscall` returns to the `jmp MainLoop` after it.
    const bytes = k.cpu.readVirtual(after, 0x60)!;
    const i = bytes.findIndex((b, j) => b === 0x0f && bytes[j + 1] === 0x05);
    k.cpu.addHook(after + BigInt(i + 2), (m) => { if (rax === null) rax = m.getReg('rax'); });
    k.resume({ budget: 3000 });
    expect(rax).toBe(0xc000001cn);
  });

  it('with KUSER_SHARED_DATA.SystemCall = 1 the stubs take int 2Eh, and the services still answer', () => {
    for (const o of [{}, { kvaShadow: true }]) {
      const k = bootWindows(o);
      k.machine.writeVirtual(0xfffff78000000308n, [1]);                 // kernel alias, writable
      const statuses: bigint[] = [];
      k.cpu.addHook(sym(k, 'ntdll!NtClose') + 0x17n, (m) => { statuses.push(m.getReg('rax')); });
      expect(k.resume({ budget: 5000 }).kind).toBe('budget');
      const ints = k.cpu.events.events.filter((e) => e.kind === 'exception-delivered' && e.vector === 0x2e);
      expect(ints.length).toBeGreaterThan(3);
      expect(ints[0]).toMatchObject({ fromCpl: 3, toCpl: 0, stack: 'rsp0' });
      expect(statuses[0]).toBe(0xc0000008n);
    }
  });

  it('SMAP: the kernel reaches the caller\'s buffer only because it sets AC (KeSmapEnabled)', () => {
    const k = bootWindows({ smap: true });
    k.machine.writeVirtual(sym(k, 'nt!KeSmapEnabled'), [0]);            // as if nt did not know
    const stop = k.resume({ budget: 10_000 }) as Extract<KernelStop, { kind: 'bugcheck' }>;
    const pf = k.cpu.events.events.find((e) => e.kind === 'exception-raised' && e.vector === 14);
    expect(pf).toMatchObject({ errorCode: 3 });                         // P=1, W=1, supervisor
    expect([stop.kind, stop.code, stop.args[0]]).toEqual(['bugcheck', 0x3b, 0xc0000005n]);
  });

  it('NtQuerySystemTime stores KUSER_SHARED_DATA.SystemTime into the caller\'s buffer', () => {
    const k = bootWindows();
    const seen = watchFirstSyscall(k);
    k.resume({ budget: 200 });
    const buf = seen[0].rsp + 8n + 0x20n; // wmain's [rsp+20h]: above the stub's return address
    const expected = (BigInt(Date.UTC(2018, 3, 30)) / 1000n + 11644473600n) * 10000000n;
    expect(q(k, buf)).toBe(expected);
    expect(q(k, 0x7ffe0014n)).toBe(expected);
  });
});

function chain(k: Kernel) {
  return k.cpu.events.events;
}

describe('bp nt!KiSystemCall64+0x15 (after the kernel stack is loaded)', () => {
  for (const [label, o] of OPTIONS.filter(([l]) => l !== 'kvaShadow')) {
    it(`is reported to the debugger with the syscall state (${label})`, () => {
      const k = bootWindows(o);
      const user = watchFirstSyscall(k);
      const at = sym(k, 'nt!KiSystemCall64') + 0x15n;
      k.cpu.writeVirtual(at, [0xcc]);
      const stop = k.resume({ budget: 100_000 });
      expect(stop).toMatchObject({ kind: 'debug-break', code: 0x80000003, address: at });
      const m = k.machine;
      const rspBase = q(k, k.kpcr + 0x180n + BigInt(fieldOff('_KPRCB', 'RspBase')));
      expect(m.getReg('rip')).toBe(at);
      expect(m.getReg('rsp')).toBe(rspBase);
      expect(q(k, m.readMsr(GS_BASE) + 0x10n)).toBe(user[0].rsp);      // gs:[10h] = user RSP
      expect(m.getReg('rcx')).toBe(user[0].ret);                        // SYSCALL: RCX = next RIP
      expect(m.getReg('r11')).toBe(user[0].rflags);                     // SYSCALL: R11 = RFLAGS
      expect(m.readMsr(GS_BASE)).toBe(k.kpcr);
      expect(m.readMsr(KERNEL_GS_BASE)).toBe(user[0].teb);
      expect(m.getSeg('cs').selector).toBe(0x10);
      // Event chain: syscall, swapgs, #BP delivered at CPL0 on the kernel stack (no IST, no switch).
      const ev = chain(k);
      const kinds = ev.filter((e) => e.kind !== 'cpl-change').map((e) => e.kind);
      expect(kinds.slice(0, 3)).toEqual(['syscall', 'swapgs', 'exception-delivered']);
      const bp = ev.find((e) => e.kind === 'exception-delivered')!;
      expect(bp).toMatchObject({ vector: 3, fromCpl: 0, toCpl: 0, stack: 'none' });
    });
  }

  it('continues: the original byte back, one step through #DB, then the loop runs on', () => {
    const k = bootWindows();
    const at = sym(k, 'nt!KiSystemCall64') + 0x15n;
    k.cpu.writeVirtual(at, [0xcc]);
    expect(k.resume({ budget: 100_000 }).kind).toBe('debug-break');
    k.cpu.writeVirtual(at, [0x6a]);
    const step = k.resume({ budget: 100_000, singleStep: true });
    expect(step).toMatchObject({ kind: 'debug-break', code: 0x80000004, address: at + 2n });
    expect(k.machine.getReg('rflags') & 0x100n).toBe(0n);              // kd clears TF after the step
    const before = k.cpu.events.events.filter((e) => e.kind === 'sysret').length;
    expect(k.resume({ budget: 5000 }).kind).toBe('budget');
    expect(k.cpu.events.events.filter((e) => e.kind === 'sysret').length).toBeGreaterThan(before + 5);
  });

  it('with KVA shadow, KiSystemCall64+0x15 is never reached (LSTAR is the shadow entry)', () => {
    const k = bootWindows({ kvaShadow: true });
    k.cpu.writeVirtual(sym(k, 'nt!KiSystemCall64') + 0x15n, [0xcc]);
    expect(k.resume({ budget: 50_000 }).kind).toBe('budget');
  });

  it('with KVA shadow, the first safe place is KiSystemCall64Shadow+0x2D (push 2Bh)', () => {
    const k = bootWindows({ kvaShadow: true });
    const at = sym(k, 'nt!KiSystemCall64Shadow') + 0x2dn;
    k.cpu.writeVirtual(at, [0xcc]);
    const stop = k.resume({ budget: 100_000 });
    expect(stop).toMatchObject({ kind: 'debug-break', address: at });
    expect(k.machine.getReg('rsp')).toBe(q(k, k.kpcr + 0x180n + BigInt(fieldOff('_KPRCB', 'RspBase'))));
  });
});

describe('bp nt!KiSystemCall64+0 (before swapgs and the stack switch)', () => {
  /** The common first steps: no swapgs before the first exception, the #BP frame on the user
   *  stack (or refused by SMAP), a #DF delivered on IST1. */
  function firstSteps(k: Kernel, o: WindowsOptions, user: ReturnType<typeof watchFirstSyscall>) {
    const ev = chain(k);
    const iSys = ev.findIndex((e) => e.kind === 'syscall');
    const after = ev.slice(iSys + 1).filter((e) => e.kind !== 'cpl-change');
    // No swapgs ran before the first exception: the int3 replaced it.
    const firstExc = after.findIndex((e) => e.kind.startsWith('exception'));
    expect(after.slice(0, firstExc).some((e) => e.kind === 'swapgs')).toBe(false);
    const frameTop = user[0].rsp & ~0xfn;                        // SDM §6.14.2: RSP aligned to 16
    if (o.smap) {
      // The #BP frame's first push (SS) hits the user stack: SMAP refuses it (#PF P=1 W=1).
      expect(after[0]).toMatchObject({ kind: 'exception-raised', vector: 14, errorCode: 3, cr2: frameTop - 8n });
    } else {
      // #BP delivered at CPL0 with no stack switch: the 40-byte frame sits just below the user RSP.
      expect(after[0]).toMatchObject({ kind: 'exception-delivered', vector: 3, fromCpl: 0, toCpl: 0, stack: 'none', rsp: frameTop - 40n });
    }
    const df = ev.find((e) => e.kind === 'exception-delivered' && e.vector === 8);
    expect(df).toMatchObject({ stack: 'ist1' });
    if (o.kvaShadow) {
      // The shadow stub sent the "kernel-mode" trap to KiBreakpointTrap, which the user page
      // tables do not map: instruction-fetch #PF (I/D = 1, P = 0).
      expect(ev.some((e) => e.kind === 'exception-raised' && e.vector === 14 && e.errorCode === 0x10 && e.cr2 === sym(k, 'nt!KiBreakpointTrap'))).toBe(true);
    }
    return { ev, df: df as Extract<typeof ev[number], { kind: 'exception-delivered' }> };
  }

  for (const [label, o] of OPTIONS) {
    it(`hangs without a report: KiDoubleFaultAbort keeps the user GS, KeBugCheckEx faults, #DF again (${label})`, () => {
      const k = bootWindows(o);
      const user = watchFirstSyscall(k);
      k.cpu.writeVirtual(k.cpu.readMsr(LSTAR), [0xcc]);
      // Run in slices until the first #DF, while the event log still holds the whole chain.
      for (let i = 0; i < 100 && !k.cpu.events.events.some((e) => e.kind === 'double-fault'); i++) {
        expect(k.resume({ budget: 2_000 }).kind).toBe('budget');
      }
      expect(k.resume({ budget: 2_000 }).kind).toBe('budget');
      const { ev } = firstSteps(k, o, user);
      const iDf = ev.findIndex((e) => e.kind === 'exception-delivered' && e.vector === 8);
      const pf = ev.slice(iDf + 1).find((e) => e.kind === 'exception-raised') as Extract<typeof ev[number], { kind: 'exception-raised' }>;
      const within = (a: string, b: string) => pf.rip >= sym(k, a) && pf.rip < sym(k, b);
      if (o.smap) {
        // With SMAP the handler's own `ldmxcsr gs:[180h]` (the TEB, a user page) is refused.
        expect(pf).toMatchObject({ vector: 14, cr2: user[0].teb + 0x180n + BigInt(fieldOff('_KPRCB', 'MxCsr')) });
        expect(within('nt!KiDoubleFaultAbort', 'nt!KiExceptionDispatch')).toBe(true);
      } else {
        // KeBugCheckEx reads gs:[20h] (the TEB's NT_TIB.Version, not KPCR.CurrentPrcb) and
        // stores the control registers through it: a kernel #PF.
        const teb20 = q(k, user[0].teb + 0x20n);
        const save = BigInt(fieldOff('_KPRCB', 'ProcessorState') + fieldOff('_KSPECIAL_REGISTERS', 'Cr0'));
        expect(pf).toMatchObject({ vector: 14, cr2: teb20 + save });
        expect(within('nt!KeBugCheckEx', 'nt!KeBugCheck2')).toBe(true);
      }
      // The page faults nest on the IST1 stack until one cannot be delivered: #DF, and again;
      // kd never hears of it (the run ends at its budget).
      const seen = k.cpu.events.total;
      expect(k.resume({ budget: 300_000 }).kind).toBe('budget');
      const later = k.cpu.events.since(seen);
      expect(later.filter((e) => e.kind === 'double-fault').length).toBeGreaterThan(2);
      expect(later.some((e) => e.kind === 'triple-fault')).toBe(false);
      expect(k.cpu.readMsr(GS_BASE)).toBe(user[0].teb);            // GS never became the KPCR
    });

    it(`with dfReloadsGs, bug check 7F (8, trap frame, interrupted RSP, RIP) (${label})`, () => {
      const k = bootWindows({ ...o, dfReloadsGs: true });
      const user = watchFirstSyscall(k);
      k.cpu.writeVirtual(k.cpu.readMsr(LSTAR), [0xcc]);
      const stop = k.resume({ budget: 300_000 }) as Extract<KernelStop, { kind: 'bugcheck' }>;
      expect(stop.kind).toBe('bugcheck');
      const { df } = firstSteps(k, o, user);
      // The handler's frame: the CPU's error code sits in the frame's ErrorCode slot.
      const frame = df.rsp - BigInt(fieldOff('_KTRAP_FRAME', 'ErrorCode'));
      const at = (f: string) => q(k, frame + BigInt(fieldOff('_KTRAP_FRAME', f)));
      expect(stop.code).toBe(0x7f);
      expect(stop.args).toEqual([8n, frame, at('Rsp'), at('Rip')]);
      expect(at('SegCs') & 0xffffn).toBe(0x10n);                           // the #DF interrupted kernel code
      expect(k.cpu.readMsr(GS_BASE)).toBe(k.kpcr);
    });
  }
});

describe('other exceptions', () => {
  it('a user-mode #UD ends the process with STATUS_ILLEGAL_INSTRUCTION', () => {
    const k = bootWindows();
    k.cpu.writeVirtual(sym(k, 'svcloop!wmain'), [0x0f, 0x0b]);         // ud2
    expect(k.resume({ budget: 10_000 })).toEqual({ kind: 'exited', status: 0xc000001d });
  });

  it('a user-mode int 3 is reported to kd from user mode', () => {
    const k = bootWindows();
    const at = sym(k, 'svcloop!wmain');
    k.cpu.writeVirtual(at, [0xcc]);
    expect(k.resume({ budget: 10_000 })).toMatchObject({ kind: 'debug-break', code: 0x80000003, address: at });
    expect(k.machine.getSeg('cs').selector).toBe(0x33);
    expect(k.cpu.readMsr(GS_BASE)).toBe(k.kpcr);                        // the handler swapped
  });

  it('a kernel read of a not-present system address is bug check 50', () => {
    const k = bootWindows();
    // NtQuerySystemTime (the first service the program calls) made to read FFFF8000`00000000:
    // mov rax,0FFFF800000000000h / mov rax,qword ptr [rax] / ret
    const at = sym(k, 'nt!NtQuerySystemTime');
    k.cpu.writeVirtual(at, [0x48, 0xb8, 0, 0, 0, 0, 0, 0x80, 0xff, 0xff, 0x48, 0x8b, 0x00, 0xc3]);
    const stop = k.resume({ budget: 10_000 });
    expect(stop).toEqual({ kind: 'bugcheck', code: 0x50, args: [0xffff800000000000n, 0n, at + 10n, 2n] });
  });

  it('a kernel access violation inside a service is bug check 3B, elsewhere 1E', () => {
    const k = bootWindows();
    const at = sym(k, 'nt!NtQuerySystemTime');
    k.cpu.writeVirtual(at, [0x48, 0x8b, 0x04, 0x25, 0x10, 0, 0, 0]);    // mov rax,qword ptr [10h]
    const stop = k.resume({ budget: 10_000 }) as Extract<KernelStop, { kind: 'bugcheck' }>;
    // SYSTEM_SERVICE_EXCEPTION(STATUS_ACCESS_VIOLATION, faulting RIP, context, 0)
    expect([stop.kind, stop.code, stop.args[0], stop.args[1], stop.args[3]]).toEqual(['bugcheck', 0x3b, 0xc0000005n, at, 0n]);
    const k2 = bootWindows();
    const at2 = sym(k2, 'nt!KiSystemCall64') + 0x15n;
    k2.cpu.writeVirtual(at2, [0x0f, 0x0b]);                             // ud2
    const s2 = k2.resume({ budget: 10_000 }) as Extract<KernelStop, { kind: 'bugcheck' }>;
    // KMODE_EXCEPTION_NOT_HANDLED(STATUS_ILLEGAL_INSTRUCTION, RIP, 0, 0)
    expect([s2.kind, s2.code, s2.args[0], s2.args[1]]).toEqual(['bugcheck', 0x1e, 0xc000001dn, at2]);
  });
});

describe('determinism', () => {
  it('the same boot and run give the same event log', () => {
    const run = () => {
      const k = bootWindows({ smap: true });
      k.cpu.writeVirtual(k.cpu.readMsr(LSTAR), [0xcc]);
      k.resume({ budget: 100_000 });
      return JSON.stringify(k.cpu.events.events, (_k, v) => (typeof v === 'bigint' ? v.toString(16) : v));
    };
    expect(run()).toBe(run());
  });
});
