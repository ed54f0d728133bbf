// wt on the model: the per-call lines, the totals, the function table and the system calls, in the
// layout of Microsoft's "wt (Trace and Watch Data)" page; the counts are checked against the same
// code stepped with t in another session.
import { describe, expect, it } from 'vitest';
import { KdSession } from '../../emulator/src/debugger/session.ts';
import '../../emulator/src/debugger/commands/index.ts';
import { addr64 } from '../../emulator/src/debugger/format.ts';

const SRC = 'learn.microsoft.com/windows-hardware/drivers/debuggercmds/wt--trace-and-watch-data-: `Tracing MyModule!myFunction to return address 00401137`, `  105     0 [  0] MyModule!myFunction`, `    1     0 [  1]   MyModule!ILT+1555(_printf)`, `112379 instructions were executed in 112378 events (0 from other threads)`, `Function Name                               Invocations MinInst MaxInst AvgInst`, `23 system calls were executed`, `Calls  System Call`, `   23  ntdll!KiFastSystemCall`';

function at(where: string): KdSession {
  const s = new KdSession({ budget: 300_000 });
  s.exec(`bp ${where}`);
  s.exec('g');
  s.exec('bc *');
  return s;
}

/** Instructions t takes from here until rip is `to` (the same code, stepped by hand). */
function stepsTo(s: KdSession, to: bigint): number {
  let n = 0;
  while (s.machine.getReg('rip') !== to && n < 1000) { s.exec('t'); n++; }
  return n;
}

describe(`wt (${SRC.slice(0, 70)}…)`, () => {
  it('at a function start: traced to its return address, with the system call it makes', () => {
    const s = at('ntdll!NtQuerySystemTime');
    const ret = s.readQword(s.machine.getReg('rsp'))!;
    const n = stepsTo(at('ntdll!NtQuerySystemTime'), ret);
    const out = s.exec('wt').output.split('\n');
    expect(out.slice(0, 3)).toEqual([`Tracing ntdll!NtQuerySystemTime to return address ${addr64(ret)}`, '', `${String(n).padStart(5)}     0 [  0] ntdll!NtQuerySystemTime`]);
    expect(out).toContain(`${n} instructions were executed in ${n - 1} events (0 from other threads)`);
    expect(out).toContain(`Function Name${' '.repeat(31)}Invocations MinInst MaxInst AvgInst`);
    expect(out).toContain(`${'ntdll!NtQuerySystemTime'.padEnd(44)}${'1'.padStart(11)}${String(n).padStart(8)}${String(n).padStart(8)}${String(n).padStart(8)}`);
    expect(out).toContain('1 system calls were executed');
    expect(out.slice(out.indexOf('Calls  System Call'), out.indexOf('Calls  System Call') + 2)).toEqual(['Calls  System Call', '    1  ntdll!NtQuerySystemTime']);
    expect(s.machine.getReg('rip')).toBe(ret);
  });
  it('on a call: the callee one level in, indented two columns, and the caller\'s counts include it', () => {
    const s = at('svcloop!wmain+0x13');
    const next = s.machine.getReg('rip') + 2n;
    const n = stepsTo(at('svcloop!wmain+0x13'), next);
    const out = s.exec('wt').output.split('\n');
    expect(out[2]).toBe('    1     0 [  0] svcloop!wmain');
    expect(out[3]).toBe(`${String(n - 1).padStart(5)}     0 [  1]   ntdll!NtQuerySystemTime`);
    expect(out[4]).toBe(`    1 ${String(n - 1).padStart(5)} [  0] svcloop!wmain`);
    expect(s.machine.getReg('rip')).toBe(next);
  });
  it('anywhere else it steps once, as p', () => {
    const a = at('ntdll!NtQuerySystemTime+3');
    const b = at('ntdll!NtQuerySystemTime+3');
    expect(a.exec('wt').output).toBe(b.exec('p').output);
  });
});
