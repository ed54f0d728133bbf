// kd transcripts of the stack and trap-frame family on the modeled kernel, table-driven. Each row
// names the WinDbg transcript or Microsoft page whose layout it follows; rows marked `exact` compare
// whole lines byte for byte, with the values computed from the machine (never typed in).
import { describe, expect, it } from 'vitest';
import { KdSession } from '../../emulator/src/debugger/session.ts';
import '../../emulator/src/debugger/commands/index.ts';
import { addr64, hex16 } from '../../emulator/src/debugger/format.ts';

const SOURCES = {
  k: 'learn.microsoft.com "k, kb, kc, kd, kp, kP, kv (Display Stack Backtrace)"; modern header as in public WinDbg 10 kd transcripts',
  kc: 'doar-e.github.io, "Reverse-engineering tcpip.sys: mechanics of a packet of the death (CVE-2021-24086)" (2021): `kd> kc` / ` # Call Site` / `00 tcpip!Ipv6pReassembleDatagram`',
  kv: 'learn.microsoft.com k page, Remarks: kv adds "TrapFrame @ Address" to the frame that returns through a trap frame',
  trap: 'public x64 .trap transcripts: "NOTE: The trap frame does not contain all registers." / "Some register values may be zeroed or incorrect.", no segment line',
  analyze: 'bbs.kanxue.com/thread-154014-1.htm (x64 !analyze -v of a 7f_8): the UNEXPECTED_KERNEL_MODE_TRAP description; TRAP_FRAME:  <addr> -- (.trap 0x<addr>) in public !analyze -v output',
  unknown: 'learn.microsoft.com "Syntax Rules"; unknown commands answer `^ Syntax error in \'...\'`, unknown extensions `No export ... found`',
};

/** A double fault that bug checks: the #DF entry reloads the GS base (machine option dfReloadsGs);
 *  on the default machine the same breakpoint loops without a report (windows.test.ts). */
function doubleFault() {
  const s = new KdSession({ budget: 200_000, dfReloadsGs: true });
  s.exec('bp nt!KiSystemCall64');
  s.exec('g');
  return s;
}

function atNtClose() {
  const s = new KdSession({ budget: 200_000 });
  s.exec('bp nt!NtClose');
  s.exec('g');
  return s;
}

describe('k variants', () => {
  const s = atNtClose();
  const frames = s.walk(32);
  const crossing = frames.find((f) => f.trapFrame !== undefined)!;
  const rows: Array<{ cmd: string; source: string; check: (out: string[]) => void }> = [
    {
      cmd: 'k', source: SOURCES.k, check: (o) => {
        expect(o[0]).toBe(' # Child-SP          RetAddr               Call Site');
        expect(o[1]).toBe(`00 ${addr64(frames[0].childSp)} ${addr64(frames[0].retAddr)}     nt!NtClose`);
        expect(o.join('\n')).not.toContain('TrapFrame');
      },
    },
    { cmd: 'kn', source: SOURCES.k, check: (o) => expect(o.join('\n')).toBe(s.exec('k').output) },
    { cmd: 'kL', source: SOURCES.k, check: (o) => expect(o.join('\n')).toBe(s.exec('k').output) },
    { cmd: 'kp', source: SOURCES.k, check: (o) => expect(o.join('\n')).toBe(s.exec('k').output) },
    { cmd: 'k 2', source: SOURCES.k, check: (o) => expect(o).toHaveLength(3) },
    { cmd: 'kb 1', source: SOURCES.k, check: (o) => expect(o[1]).toMatch(/^00 \S+ \S+     : (\S+ ){4}: nt!NtClose$/) },
    {
      cmd: 'kv', source: SOURCES.kv, check: (o) => {
        const i = frames.indexOf(crossing);
        expect(o[i + 1].endsWith(` (TrapFrame @ ${addr64(crossing.trapFrame!)})`)).toBe(true);
        expect(o.filter((l) => l.includes('TrapFrame @'))).toHaveLength(1);
      },
    },
    {
      cmd: 'kc', source: SOURCES.kc, check: (o) => {
        expect(o[0]).toBe(' # Call Site');
        expect(o[1]).toBe('00 nt!NtClose');
        expect(o.some((l) => /^0\d ntdll!NtClose$/.test(l))).toBe(true);
      },
    },
  ];
  for (const row of rows) {
    it(`${row.cmd} (${row.source.slice(0, 60)}…)`, () => row.check(s.exec(row.cmd).output.split('\n')));
  }
});

describe('.trap and .cxr', () => {
  it('.trap shows the trap frame\'s registers without the segment line, and k walks from them until .trap resets', () => {
    const s = atNtClose();
    const frame = s.walk(32).find((f) => f.trapFrame !== undefined)!.trapFrame!;
    const off = (n: string) => BigInt(s.kernel.structs._KTRAP_FRAME.fields.find((f) => f.name === n)!.offset);
    const rip = s.readQword(frame + off('Rip'))!;
    const rsp = s.readQword(frame + off('Rsp'))!;
    const out = s.exec(`.trap ${addr64(frame)}`).output.split('\n');
    // Source: SOURCES.trap
    expect(out.slice(0, 2)).toEqual(['NOTE: The trap frame does not contain all registers.', 'Some register values may be zeroed or incorrect.']);
    expect(out[2]).toMatch(/^rax=[0-9a-f]{16} rbx=0000000000000000 rcx=[0-9a-f]{16}$/);
    expect(out[4]).toBe(`rip=${hex16(rip)} rsp=${hex16(rsp)} rbp=${out[4].slice(-16)}`);
    expect(out[8]).toMatch(/^iopl=0 {9}/);
    expect(out[9]).toBe('ntdll!NtClose+0x14:');
    expect(out).toHaveLength(11);
    const k = s.exec('k').output.split('\n');
    expect(k[0]).toBe('  *** Stack trace for last set context - .thread/.cxr resets it');
    expect(k[2]).toBe(`00 ${addr64(rsp)} ${k[2].slice(21, 38)}     ntdll!NtClose+0x14`);
    expect(s.exec('r rip').output).toBe(`rip=${hex16(rip)}`);
    expect(s.exec('.trap').output).toBe('');
    expect(s.exec('k 1').output.split('\n')[1]).toMatch(/nt!NtClose$/);
  });
  it('.cxr alone resets, the target running resets, an unreadable frame says so', () => {
    const s = atNtClose();
    const frame = s.walk(32).find((f) => f.trapFrame !== undefined)!.trapFrame!;
    s.exec(`.trap ${addr64(frame)}`);
    expect(s.hasContext).toBe(true);
    s.exec('.cxr');
    expect(s.hasContext).toBe(false);
    s.exec(`.trap ${addr64(frame)}`);
    s.exec('t');
    expect(s.hasContext).toBe(false);
    expect(s.exec('.trap 0').output).toBe('Unable to read trap frame at 00000000`00000000');
  });
});

describe('!analyze -v on the double fault', () => {
  it('names the faulting instruction, prints the real 7f description and the TRAP_FRAME line', () => {
    const s = doubleFault();
    const out = s.exec('!analyze -v').output.split('\n');
    // Source: SOURCES.analyze
    const at = out.indexOf('UNEXPECTED_KERNEL_MODE_TRAP (7f)');
    expect(out[at + 1]).toBe('This means a trap occurred in kernel mode, and it\'s a trap of a kind');
    expect(out).toContain('kb will then show the corrected stack.');
    const frame = s.bugcheck!.args[1];
    expect(out).toContain(`TRAP_FRAME:  ${hex16(frame)} -- (.trap 0x${hex16(frame)})`);
    const rip = s.readQword(frame + 0x168n)!;
    const fi = out.indexOf('FAULTING_IP: ');
    expect(out[fi + 1]).toMatch(/^nt!KiPageFault\+[0-9a-f]+$/);
    expect(out[fi + 2].startsWith(`${addr64(rip)} `)).toBe(true);
    expect(out[out.indexOf('Resetting default scope') - 1].startsWith(addr64(rip))).toBe(true);
    expect(s.hasContext).toBe(false);
  });
});

describe('commands this kd does not have', () => {
  const s = new KdSession({ kernel: undefined, budget: 1000 });
  const rows: Array<[string, string[]]> = [
    ['hello', ['       ^ Syntax error in \'hello\'']],
    ['.frame 2', ['            ^ Syntax error in \'.frame 2\'', '.frame is a WinDbg command that this kd does not model (.help lists the commands it has).']],
    ['!locks', ['No export locks found', '!locks is a WinDbg command that this kd does not model (.help lists the commands it has).']],
    ['!nosuchext', ['No export nosuchext found']],
  ];
  for (const [cmd, expected] of rows) {
    it(`${cmd} (${SOURCES.unknown.slice(0, 50)}…)`, () => expect(s.exec(cmd).output.split('\n')).toEqual(expected));
  }
  it('.help lists every registered command and .help <cmd> explains one', () => {
    expect(s.exec('.help kv').output).toContain('k[b|p|P|v][c][n][L] [FrameCount]');
    expect(s.exec('.help .trap').output).toContain('_KTRAP_FRAME');
    expect(s.exec('.help .frame').output).toBe('.frame is a WinDbg command that this kd does not model (.help lists the commands it has).');
  });
});
