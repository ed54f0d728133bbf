// Service dispatch in the modeled kernel: KiServiceTable's compact entries, the choice between
// KeServiceDescriptorTable and its shadow, the copy of stack arguments, out-of-range numbers and
// the (empty) win32k range. Everything is read from the booted machine or observed at the service
// routine's first instruction; the expectations come from the build's facts (service numbers,
// argument counts), never from the values the run produced.

import { describe, it, expect } from 'vitest';
import { bootWindows, SERVICE_NUMBERS, STATUS, off, layout } from '../../emulator/src/windows/index.ts';
import type { Kernel } from '../../emulator/src/windows/index.ts';
import { SERVICE_ARGUMENTS, stackArguments } from '../../emulator/src/windows/build.ts';
import type { ServiceName } from '../../emulator/src/windows/build.ts';
import { SERVICE_ROUTINES } from '../../emulator/src/windows/kernel/services.ts';
import { assemble } from '../../emulator/src/cpu/assembler.ts';

const sym = (k: Kernel, name: string) => {
  const a = k.symbols.resolve(name);
  if (a === undefined) throw new Error(`no symbol ${name}`);
  return a;
};
const read = (k: Kernel, va: bigint, n: number): bigint => {
  const b = k.machine.readVirtual(va, n)!;
  let v = 0n;
  for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
  return v;
};
const SERVICES = Object.keys(SERVICE_NUMBERS) as ServiceName[];

describe('KiServiceTable: 32-bit entries, offset << 4 | stack-argument count', () => {
  it('every entry below the limit decodes to its routine, and its low 4 bits to its stack arguments', () => {
    const k = bootWindows();
    const table = sym(k, 'nt!KiServiceTable');
    const sdt = sym(k, 'nt!KeServiceDescriptorTable');
    expect(read(k, sdt, 8)).toBe(table);
    const limit = Number(read(k, sdt + 0x10n, 8));
    expect(limit).toBe(Math.max(...Object.values(SERVICE_NUMBERS)) + 1);
    for (let n = 0; n < limit; n++) {
      const entry = BigInt.asIntN(32, read(k, table + BigInt(4 * n), 4));
      const name = SERVICES.find((s) => SERVICE_NUMBERS[s] === n);
      // the dispatcher's movsxd / sar 4 / add: an arithmetic shift of the sign-extended entry
      expect(table + (entry >> 4n)).toBe(sym(k, `nt!${name ? SERVICE_ROUTINES[name] : 'KiServiceNotModeled'}`));
      expect(Number(entry & 0xfn)).toBe(name ? stackArguments(name) : 0);
    }
  });

  it('a service with five arguments carries one stack argument in its entry', () => {
    expect(SERVICE_ARGUMENTS.NtQueryInformationProcess).toBe(5);
    const k = bootWindows();
    const entry = read(k, sym(k, 'nt!KiServiceTable') + 4n * BigInt(SERVICE_NUMBERS.NtQueryInformationProcess), 4);
    expect(entry & 0xfn).toBe(1n);
  });

  it('the shadow descriptors: nt again, then win32k present and empty', () => {
    const k = bootWindows();
    const sdt = sym(k, 'nt!KeServiceDescriptorTable');
    const shadow = sym(k, 'nt!KeServiceDescriptorTableShadow');
    expect(read(k, shadow, 8)).toBe(read(k, sdt, 8));
    expect(read(k, shadow + 0x10n, 8)).toBe(read(k, sdt + 0x10n, 8));
    for (const o of [0x20n, 0x28n, 0x30n, 0x38n]) expect(read(k, shadow + o, 8)).toBe(0n);
    for (const o of [0x20n, 0x30n]) expect(read(k, sdt + o, 8)).toBe(0n);
  });
});

/** Boots, replaces the program with `source` (assembled at its entry), and records the state at
 *  the first instruction of `at` (a kernel symbol) the first time the processor reaches it. */
function runUser(source: string, at: string | null, opts: { gui?: boolean } = {}) {
  const k = bootWindows();
  const entry = k.machine.getReg('rip');
  const bytes = assemble(source, { origin: entry, symbols: (n) => k.symbols.resolve(n) }).bytes;
  k.machine.writeVirtual(entry, [...bytes, 0xcc]);
  if (opts.gui) {
    const thread = read(k, layout.PCR.kpcr + 0x180n + BigInt(off('_KPRCB.CurrentThread')), 8);
    k.machine.writeVirtual(thread + BigInt(off('_KTHREAD.ThreadFlags')), [0x80, 0, 0, 0]);
  }
  let seen: { regs: Record<string, bigint>; stack: bigint[] } | null = null;
  if (at) {
    k.cpu.addHook(sym(k, at), (m) => {
      if (seen) return;
      const rsp = m.getReg('rsp');
      seen = {
        regs: Object.fromEntries(['rcx', 'rdx', 'r8', 'r9'].map((r) => [r, m.getReg(r)])),
        stack: [0, 1, 2].map((i) => read(k, rsp + 0x28n + BigInt(8 * i), 8)),
      };
    });
  }
  const after = entry + BigInt(bytes.length);
  let rax: bigint | null = null;
  k.cpu.addHook(after, (m) => { if (rax === null) rax = m.getReg('rax'); });
  k.resume({ budget: 20_000 });
  return { seen: seen as { regs: Record<string, bigint>; stack: bigint[] } | null, rax: rax as bigint | null };
}

// Values no register or stack slot holds by accident.
const ARGS = [0x1111a1n, 0x2222a2n, 0x3333a3n, 0x4444a4n, 0x5555a5n, 0x6666a6n, 0x7777a7n];

describe('KiSystemServiceCopyStart: the kernel sees the arguments the caller passed', () => {
  for (const name of SERVICES) {
    it(`${name}: ${SERVICE_ARGUMENTS[name]} argument(s), ${stackArguments(name)} of them copied from the user stack`, () => {
      // The caller's frame as the x64 convention lays it out: four home slots, then arguments 5..7
      // at [rsp+20h].. before the call (at [rsp+28h].. once the call has pushed the return address).
      const source = `
  sub     rsp,48h
  mov     rax,${ARGS[4].toString(16)}h
  mov     qword ptr [rsp+20h],rax
  mov     rax,${ARGS[5].toString(16)}h
  mov     qword ptr [rsp+28h],rax
  mov     rax,${ARGS[6].toString(16)}h
  mov     qword ptr [rsp+30h],rax
  mov     rcx,${ARGS[0].toString(16)}h
  mov     rdx,${ARGS[1].toString(16)}h
  mov     r8,${ARGS[2].toString(16)}h
  mov     r9,${ARGS[3].toString(16)}h
  mov     rax,ntdll!${name}
  call    rax
  add     rsp,48h`;
      const { seen } = runUser(source, `nt!${SERVICE_ROUTINES[name]}`);
      expect(seen).not.toBeNull();
      expect(seen!.regs).toEqual({ rcx: ARGS[0], rdx: ARGS[1], r8: ARGS[2], r9: ARGS[3] });
      const copied = stackArguments(name);
      for (let i = 0; i < 3; i++) {
        if (i < copied) expect(seen!.stack[i]).toBe(ARGS[4 + i]);
        else expect(seen!.stack[i]).not.toBe(ARGS[4 + i]);
      }
    });
  }

  it('NtQueryInformationProcess with its fifth argument fills PROCESS_BASIC_INFORMATION and ReturnLength', () => {
    const k = bootWindows();
    const entry = k.machine.getReg('rip');
    const source = `
  sub     rsp,68h
  mov     rcx,0FFFFFFFFFFFFFFFFh
  xor     edx,edx
  lea     r8,[rsp+30h]
  mov     r9d,30h
  lea     rax,[rsp+60h]
  mov     qword ptr [rsp+20h],rax
  mov     rax,ntdll!NtQueryInformationProcess
  call    rax`;
    const bytes = assemble(source, { origin: entry, symbols: (n) => k.symbols.resolve(n) }).bytes;
    k.machine.writeVirtual(entry, [...bytes, 0xcc]);
    let rsp = 0n; let rax = -1n;
    k.cpu.addHook(entry + BigInt(bytes.length), (m) => { if (rax < 0n) { rax = m.getReg('rax'); rsp = m.getReg('rsp'); } });
    k.resume({ budget: 20_000 });
    expect(rax).toBe(BigInt(STATUS.SUCCESS));
    const pr = layout.THREAD.eprocess;
    expect(read(k, rsp + 0x30n, 4)).toBe(read(k, pr + BigInt(off('_EPROCESS.ExitStatus')), 4));
    expect(read(k, rsp + 0x38n, 8)).toBe(read(k, pr + BigInt(off('_EPROCESS.Peb')), 8));
    expect(read(k, rsp + 0x50n, 8)).toBe(read(k, pr + BigInt(off('_EPROCESS.UniqueProcessId')), 8));
    expect(read(k, rsp + 0x58n, 8)).toBe(read(k, pr + BigInt(off('_EPROCESS.InheritedFromUniqueProcessId')), 8));
    expect(read(k, rsp + 0x60n, 4)).toBe(0x30n);
  });
});

const direct = (n: number) => `
  mov     r10,rcx
  mov     eax,0${n.toString(16)}h
  syscall`;

describe('numbers no table holds', () => {
  it('the first number past the nt table\'s limit returns STATUS_INVALID_SYSTEM_SERVICE without a service running', () => {
    const limit = Math.max(...Object.values(SERVICE_NUMBERS)) + 1;
    const { seen, rax } = runUser(direct(limit), 'nt!KiServiceNotModeled');
    expect(rax).toBe(BigInt(STATUS.INVALID_SYSTEM_SERVICE));
    expect(seen).toBeNull();
  });

  it('the last index of table 0, FFFh, is out of range too', () => {
    expect(runUser(direct(0xfff), null).rax).toBe(BigInt(STATUS.INVALID_SYSTEM_SERVICE));
  });

  it('the win32k range (bit 12) on a thread that is not a GUI thread: KeServiceDescriptorTable+20h has limit 0', () => {
    for (const n of [0x1000, 0x1000 + SERVICE_NUMBERS.NtClose]) expect(runUser(direct(n), null).rax).toBe(BigInt(STATUS.INVALID_SYSTEM_SERVICE));
  });

  it('a GUI thread (ThreadFlags.GuiThread) dispatches through the shadow: nt numbers still reach nt, win32k\'s table is empty', () => {
    expect(runUser(direct(SERVICE_NUMBERS.NtClose), 'nt!NtClose', { gui: true }).rax).toBe(BigInt(STATUS.INVALID_HANDLE));
    expect(runUser(direct(0x1000), null, { gui: true }).rax).toBe(BigInt(STATUS.INVALID_SYSTEM_SERVICE));
  });
});
