// A trace can say which public routines of nt and ntdll ran (hooks on their first bytes, asked for
// by the build); the kernel's own report points keep working while they are recorded, and the
// machine is the same afterwards.
import { describe, expect, it } from 'vitest';
import { bootModeledWindows, runScenarioWith, transcriptText } from '../../emulator/src/scenario/index.ts';
import { bootWindows } from '../../emulator/src/windows/index.ts';
import { ASSUMED_ROUTINES, badgeRoutines } from '../../src/plugins/live-blocks.ts';
import { assumedIn } from '../../components/EventChain.tsx';
import { ROUTINE_PROVENANCE, countByStatus } from '../../emulator/src/windows/provenance/index.ts';

describe('routines a trace entered', () => {
  it('lists the routines of `bp nt!KiSystemCall64; g` with dfReloadsGs, first entry first, ending in the bug check', () => {
    const t = runScenarioWith({ id: 'r', options: { dfReloadsGs: true }, commands: ['bp nt!KiSystemCall64', 'g'] }, bootModeledWindows, { routines: true });
    expect(t.outcome.kind).toBe('bugcheck');
    expect(t.routines?.slice(0, 3)).toEqual(['ntdll!NtQuerySystemTime', 'nt!KiSystemCall64', 'nt!KiBreakpointTrap']);
    expect(t.routines).toContain('nt!KiDispatchException');
    expect(t.routines?.slice(-5)).toEqual(['nt!KiBugCheckDispatch', 'nt!KeBugCheckEx', 'nt!KeBugCheck2', 'nt!KiBugCheckDebugBreak', 'nt!DbgBreakPointWithStatus']);
  });
  it('on the default machine the same run enters KeBugCheckEx but never KeBugCheck2 (kd hears nothing)', () => {
    const t = runScenarioWith({ id: 'r0', commands: ['bp nt!KiSystemCall64', 'g'], budget: 150_000 }, bootModeledWindows, { routines: true });
    expect(t.outcome.kind).toBe('budget');
    expect(t.routines).toEqual(expect.arrayContaining(['nt!KiDoubleFaultAbort', 'nt!KiBugCheckDispatch', 'nt!KeBugCheckEx']));
    expect(t.routines).not.toContain('nt!KeBugCheck2');
    expect(t.routines).not.toContain('nt!DbgBreakPointWithStatus');
  });
  it('is only recorded when asked, and does not change the transcript', () => {
    const s = { id: 'r2', commands: ['bp nt!NtClose', 'g', 'k'] };
    const plain = runScenarioWith(s, bootModeledWindows);
    const tracked = runScenarioWith(s, bootModeledWindows, { routines: true });
    expect(plain.routines).toBeUndefined();
    expect(transcriptText(tracked)).toBe(transcriptText(plain));
    expect(tracked.routines).toEqual(expect.arrayContaining(['ntdll!NtQuerySystemTime', 'nt!NtQuerySystemTime', 'nt!KiSystemServiceExit', 'nt!NtClose']));
  });
  it('takes its hooks out again, leaving the kernel\'s report hooks in place', () => {
    const k = bootWindows();
    const before = [...k.cpu.hooks.keys()].sort();
    const stop = k.trackRoutines();
    expect(k.cpu.hooks.size).toBeGreaterThan(before.length);
    stop();
    expect([...k.cpu.hooks.keys()].sort()).toEqual(before);
  });
});

describe('what a badge and a causal chain say about assumed code', () => {
  it('a badge counts the routines of nt and ntdll that ran and names the assumed ones, once each', () => {
    expect(badgeRoutines(['nt!KiSystemCall64', 'nt!KiDispatchException', 'svcloop!wmain', 'nt!KiDispatchException'])).toEqual({
      ran: 2, assumed: [['nt!KiDispatchException', 'no exception tables']],
    });
  });
  it('a causal chain marks the steps that ran assumed code, and not the summary of elided ones', () => {
    // The chapter's budget: the default machine loops through #DF until it runs out.
    const t = runScenarioWith({ id: 'm', commands: ['bp nt!KiSystemCall64', 'g'], budget: 150_000 }, bootModeledWindows);
    const marked = t.events.filter((e) => assumedIn(e, ASSUMED_ROUTINES).length > 0);
    expect(marked.length).toBeGreaterThan(0);
    expect(assumedIn(marked[0], ASSUMED_ROUTINES)).toContainEqual(['nt!KiDispatchException', 'no exception tables']);
    expect(assumedIn(t.events.find((e) => e.kind === 'syscall')!, ASSUMED_ROUTINES)).toEqual([]);
    expect(t.events.filter((e) => e.kind === 'elided').every((e) => assumedIn(e, ASSUMED_ROUTINES).length === 0)).toBe(true);
    // The table holds exactly the routines provenance calls assumptions.
    expect(Object.keys(ASSUMED_ROUTINES).length).toBe(countByStatus(Object.values(ROUTINE_PROVENANCE)).assumption);
  });
});
