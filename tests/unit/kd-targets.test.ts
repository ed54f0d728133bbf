// The target as a system (!thread, !process, .thread, .process, !prcb, vertarget, version,
// .lastevent, lmvm), table-driven. Each expected line is built from the layout of a cited public
// transcript or Microsoft page, filled with values read from the modeled machine (never typed in).
import { describe, expect, it } from 'vitest';
import { KdSession } from '../../emulator/src/debugger/session.ts';
import '../../emulator/src/debugger/commands/index.ts';
import { addr64, hex16, hexN } from '../../emulator/src/debugger/format.ts';

const SRC = {
  thread: 'learn.microsoft.com/windows-hardware/drivers/debuggercmds/-thread (Windows 10 example): `THREAD ffffcb088f0a4480  Cid 0e34.3814  Teb: 0000001a27ca6000 Win32Thread: 0000000000000000 RUNNING on processor 0`, `Owning Process            ffffcb08905397c0       Image:         MsMpEng.exe`, `Stack Init ffff95818476add0 Current ffff958184769d30`, `Base ffff95818476b000 Limit ffff958184765000 Call 0000000000000000`, `Child-SP          RetAddr           : Args to Child ... : Call Site`',
  process: 'learn.microsoft.com/windows-hardware/drivers/debuggercmds/-process (`**** NT ACTIVE PROCESS DUMP ****`, `PROCESS ...`, `DirBase: ...  ObjectTable: ...`, `Image: ...`); x64 kd transcripts of `!process -1 0` put SessionId, Cid, Peb and ParentCid on the second line',
  prcb: 'learn.microsoft.com/windows-hardware/drivers/debuggercmds/-prcb: `PRCB for Processor 0 at e0000000818ba000:`, `Threads--  Current e0000000818bbe10 Next 0000000000000000 Idle e0000000818bbe10`, `Number 0 SetMember 00000001`',
  vertarget: 'public kd transcript of vertarget (e-com-net.com/article/2150189.htm): product line, `Built by: ...`, `Kernel base = 0x80800000 PsLoadedModuleList = 0x808a6ea8`; the 17134 build lab 17134.1.amd64fre.rs4_release.180410-1804 (BuildLabEx of Windows 10 1803 in public registry dumps)',
  lmvm: 'public kd transcript of `lmvm nt` on build 19041: module line, `    Loaded symbol image file: ntkrnlmp.exe`, `    Image path: ntkrnlmp.exe`, `    Image name: ntkrnlmp.exe`, `    ImageSize:        01046000`',
  lastevent: 'learn.microsoft.com .lastevent (a break-in is exception 0x80000003) and public transcripts `Last event: 1234.5678: Break instruction exception - code 80000003 (first chance)` (user mode; the kernel form without the ids is not verified)',
  thread_: 'public kd transcripts: `.thread` -> `Implicit thread is now ffffc289`5df22080`; `.thread /r /p X` -> `Implicit thread is now ...`, `Implicit process is now ...`, `.cache forcedecodeuser done`, `Loading User Symbols`; `.process /r /p X` -> `Implicit process is now ...`, `Loading User Symbols`',
};

const s = new KdSession({ budget: 200_000 });
s.exec('bp nt!KiSystemCall64+0x15');
s.exec('g');
const q = (a: bigint) => s.readQword(a)!;
const pcr = s.kpcr();
const prcb = pcr + 0x180n;
const thread = q(prcb + 8n);
const process = q(thread + 0x220n);
const teb = q(thread + 0xf0n);

describe('!thread', () => {
  it(`the thread's header, process, stack lines and call stack (${SRC.thread.slice(0, 60)}…)`, () => {
    const out = s.exec('!thread').output.split('\n');
    expect(out[0]).toBe(`THREAD ${hex16(thread)}  Cid ${hexN(q(teb + 0x40n), 4)}.${hexN(q(teb + 0x48n), 4)}  Teb: ${hex16(teb)} Win32Thread: ${'?'.repeat(16)} RUNNING on processor 0`);
    expect(out[1]).toBe(`Owning Process            ${hex16(process)}       Image:         svcloop.exe`);
    expect(out[2]).toBe(`Stack Init ${hex16(q(thread + 0x28n))} Current ${hex16(s.machine.getReg('rsp'))}`);
    expect(out[3]).toBe(`Base ${hex16(q(thread + 0x38n))} Limit ${hex16(q(thread + 0x30n))} Call ${'?'.repeat(16)}`);
    expect(out[4]).toBe(`Child-SP          RetAddr           : Args to Child${' '.repeat(59)}: Call Site`);
    expect(out[5]).toMatch(/^[0-9a-f]{8}`[0-9a-f]{8} [0-9a-f]{8}`[0-9a-f]{8} : .* : nt!KiSystemCall64\+0x15$/);
    expect(out.at(-1)).toMatch(/^\(model: Win32Thread, .* are not modeled\)$/);
    expect(s.exec('!thread -1').output).toBe(s.exec('!thread').output);
    expect(s.exec(`!thread ${addr64(thread)}`).output).toBe(s.exec('!thread').output);
    expect(s.exec('!thread 1234').output).toContain('no other thread is modeled');
  });
});

describe('!process', () => {
  const body = [
    `PROCESS ${hex16(process)}`,
    `    SessionId: ?  Cid: ${hexN(q(process + 0x2e0n), 4)}    Peb: ${q(teb + 0x60n).toString(16)}  ParentCid: ????`,
    `    DirBase: ${hexN(q(process + 0x28n), 8)}  ObjectTable: ${'?'.repeat(16)}  HandleCount: ?`,
    '    Image: svcloop.exe',
  ];
  const rows: Array<[string, string[]]> = [
    ['!process -1 0', body],
    ['!process', body],
    [`!process ${addr64(process)} 0`, body],
    ['!process 0 0', ['**** NT ACTIVE PROCESS DUMP ****', ...body]],
  ];
  it.each(rows)(`%s (${SRC.process.slice(0, 60)}…)`, (cmd, want) => {
    const out = s.exec(cmd).output.split('\n');
    expect(out.slice(0, -1)).toEqual(want);
    expect(out.at(-1)).toMatch(/^\(model: SessionId, ParentCid, ObjectTable, HandleCount.* not modeled\)$/);
  });
  it('another process is not modeled, and says so', () => {
    expect(s.exec('!process 1234 0').output).toContain('no other process is modeled');
  });
});

describe('.thread, .process, !prcb', () => {
  it(`.thread / .process (${SRC.thread_.slice(0, 50)}…)`, () => {
    expect(s.exec('.thread').output).toBe(`Implicit thread is now ${addr64(thread)}`);
    expect(s.exec(`.thread ${addr64(thread)}`).output).toBe(`Implicit thread is now ${addr64(thread)}`);
    expect(s.exec('.process').output).toBe(`Implicit process is now ${addr64(process)}`);
    expect(s.exec(`.process /r /p ${addr64(process)}`).output).toBe(`Implicit process is now ${addr64(process)}\nLoading User Symbols`);
    expect(s.exec(`.thread /r /p ${addr64(thread)}`).output.split('\n')).toEqual([
      `Implicit thread is now ${addr64(thread)}`, `Implicit process is now ${addr64(process)}`, '.cache forcedecodeuser done', 'Loading User Symbols',
    ]);
    expect(s.exec('.process 1234').output).toContain('is not modeled');
  });
  it(`!prcb (${SRC.prcb.slice(0, 50)}…)`, () => {
    const out = s.exec('!prcb').output.split('\n');
    expect(out.slice(0, 3)).toEqual([
      `PRCB for Processor 0 at ${hex16(prcb)}:`,
      `Threads--  Current ${hex16(thread)} Next ${hex16(q(prcb + 0x10n))} Idle ${hex16(q(prcb + 0x18n))}`,
      `Number ${Number(q(prcb + 0x24n) & 0xffffffffn)} SetMember ????????`,
    ]);
  });
});

describe('vertarget, version, lmvm, .lastevent', () => {
  it(`vertarget (${SRC.vertarget.slice(0, 50)}…)`, () => {
    const out = s.exec('vertarget').output.split('\n');
    // The build number the product line names is the one the target's KUSER_SHARED_DATA holds.
    const build = Number(q(0xfffff78000000260n) & 0xffffffffn);
    expect(out[0]).toBe(`Windows 10 Kernel Version ${build} MP (1 procs) Free x64`);
    expect(out[1]).toBe('Built by: 17134.1.amd64fre.rs4_release.180410-1804');
    expect(out[3]).toBe(`Kernel base = 0x${addr64(s.kernel.symbols.resolve('nt')!)} PsLoadedModuleList = ?`);
    expect(s.exec('version').output.startsWith(s.exec('vertarget').output)).toBe(true);
  });
  it(`lmvm (${SRC.lmvm.slice(0, 50)}…)`, () => {
    const nt = s.kernel.symbols.modules.find((m) => m.name === 'nt')!;
    const out = s.exec('lmvm nt').output.split('\n');
    expect(out.slice(0, 7)).toEqual([
      'Browse full module list',
      'start             end                 module name',
      `${addr64(nt.base)} ${addr64(nt.base + nt.size)}   nt         (pdb symbols)          ntkrnlmp.pdb`,
      '    Loaded symbol image file: ntkrnlmp.exe',
      '    Image path: ntkrnlmp.exe',
      '    Image name: ntkrnlmp.exe',
      `    ImageSize:        ${nt.size.toString(16).toUpperCase().padStart(8, '0')}`,
    ]);
    expect(s.exec('lmvm ntdll').output).toContain('    Image name: ntdll.dll');
    expect(s.exec('lmv m nt').output).toBe(s.exec('lmvm nt').output);
  });
  it(`.lastevent follows the events (${SRC.lastevent.slice(0, 50)}…)`, () => {
    const k = new KdSession({ budget: 200_000 });
    expect(k.exec('.lastevent').output).toContain('none yet');
    k.exec('bp nt!KiSystemCall64+0x15');
    k.exec('g');
    expect(k.exec('.lastevent').output).toBe('Last event: Break instruction exception - code 80000003 (first chance)');
    k.exec('t');
    expect(k.exec('.lastevent').output).toBe('Last event: Single step exception - code 80000004 (first chance)');
  });
});
