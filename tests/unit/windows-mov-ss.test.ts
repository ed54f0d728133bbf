// The modeled kernel and a #DB that a load of SS holds across SYSCALL (CVE-2018-8897): on the
// 17134.1 machine (machine option movSsFix off, the default) the #DB is delivered at the first
// instruction of nt!KiSystemCall64, before its swapgs, with no stack switch: KiDebugTrapOrFault runs
// on the user's stack with the user's GS base. With movSsFix (the May 2018 update) the #DB gate has
// IST4 and the entry check dismisses it. Every value is read from the run, none typed in.

import { describe, it, expect } from 'vitest';
import { runProgramWith } from '../../emulator/src/scenario/program.ts';
import { bootModeledWindows } from '../../emulator/src/scenario/index.ts';
import { KdSession } from '../../emulator/src/debugger/session.ts';

// The selector word sits 12h bytes past the first instruction (`ba r2 @rip+12h` at the entry).
const SOURCE = 'mov     r10,rcx\nmov     eax,46h\nmov     ss,word ptr [sel]\nsyscall\nint     3\nnop\nsel:\ndb 2Bh,0';
const run = (movSsFix: boolean) => {
  const r = runProgramWith({ id: 'movss', options: { movSsFix }, source: SOURCE, breakpoints: ['ba r2 @rip+12h'] }, bootModeledWindows);
  if (!r.ok) throw new Error(r.error.message);
  return r;
};
type Ev = Record<string, unknown>;

describe('a data breakpoint on the operand of MOV SS, then SYSCALL', () => {
  it('17134.1 (no fix): #DB at nt!KiSystemCall64, CPL 0 to 0, no stack switch, the user\'s stack and GS; nothing reaches kd', () => {
    const r = run(false);
    const events = r.trace.events as unknown as Ev[];
    const db = events.find((e) => e.kind === 'exception-delivered' && e.vector === 1)!;
    expect(db).toMatchObject({ returnRipSym: 'nt!KiSystemCall64', handlerSym: 'nt!KiDebugTrapOrFault', fromCpl: 0, toCpl: 0, stack: 'none' });
    expect(BigInt('0x' + db.rsp) < 0x800000000000n).toBe(true); // the frame is on the user's stack
    // No swapgs ran between the syscall and the #DB: GS still has the user's base.
    const between = events.slice(events.findIndex((e) => e.kind === 'syscall'), events.indexOf(db));
    expect(between.some((e) => e.kind === 'swapgs')).toBe(false);
    expect(r.trace.outcome.kind).toBe('budget');
    expect(events.some((e) => e.kind === 'double-fault')).toBe(true);
  });

  it('with movSsFix: the #DB lands on IST4 in the entry check, which returns with iretq; the call completes and the int 3 after it reaches kd', () => {
    const r = run(true);
    const events = r.trace.events as unknown as Ev[];
    const db = events.find((e) => e.kind === 'exception-delivered' && e.vector === 1)!;
    expect(db).toMatchObject({ returnRipSym: 'nt!KiSystemCall64', handlerSym: 'nt!KiDebugTrapOrFaultEntryCheck', stack: 'ist4' });
    expect(events[events.indexOf(db) + 1]).toMatchObject({ kind: 'iretq' });
    expect(r.trace.outcome).toMatchObject({ kind: 'break' });
    // the int 3 after syscall (3 + 5 + 6 + 2 bytes of instructions before it)
    expect(BigInt('0x' + r.trace.outcome.address)).toBe(BigInt('0x' + r.entry) + 0x10n);
  });

  it('the same MOV SS followed by another instruction: a user-mode #DB after it, reported as the data breakpoint', () => {
    const src = 'mov     ss,word ptr [sel]\nmov     r10,rcx\nint     3\nnop\nsel:\ndb 2Bh,0';
    for (const movSsFix of [false, true]) {
      const r = runProgramWith({ id: 'movss2', options: { movSsFix }, source: src, breakpoints: ['ba r2 @rip+0Ch'] }, bootModeledWindows);
      if (!r.ok) throw new Error(r.error.message);
      expect(r.trace.outcome).toMatchObject({ kind: 'break', breakpoint: 0 });
      expect(BigInt('0x' + r.trace.outcome.address)).toBe(BigInt('0x' + r.entry) + 9n); // after mov ss (6 bytes) and mov r10,rcx (3)
    }
  });
});

describe('the machine option movSsFix in kd', () => {
  it('!idt names the #DB entry and its IST; nt!KiDebugTraps exists only with the fix', () => {
    const fixed = new KdSession({ movSsFix: true });
    expect(fixed.exec('!idt').output).toMatch(/01:\s+\S+ nt!KiDebugTrapOrFaultEntryCheck\tStack = /);
    expect(fixed.exec('dq nt!KiDebugTraps L1').output).toMatch(/^fffff803/);
    const plain = new KdSession({});
    expect(plain.exec('!idt').output).toMatch(/01:\s+\S+ nt!KiDebugTrapOrFault\n/);
    expect(plain.exec('dq nt!KiDebugTraps L1').output).toMatch(/Couldn't resolve|bad|error/i);
  });
});
