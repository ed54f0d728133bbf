// Scenarios on the modeled kernel: the chapter's two headline breakpoints, claims that hold and
// claims that do not, and the claim language. A breakpoint at +15h is hit (the book's sources);
// one on the first byte never reaches kd on the default machine (the #DF handler keeps the user
// GS and faults again, see windows.test.ts), and ends in UNEXPECTED_KERNEL_MODE_TRAP with argument
// 8 when the #DF entry reloads the GS base (machine option dfReloadsGs).
import { describe, expect, it } from 'vitest';
import {
  checkClaim, describeClaim, normalizeSymbol, parseClaim, runScenario, ClaimSyntaxError,
  ScenarioError, stripPrompt, transcriptText, type Scenario,
} from '../../emulator/src/scenario/index.ts';

const at15: Scenario = {
  id: 'bp-syscall-entry-15',
  commands: ['0: kd> bp nt!KiSystemCall64+0x15', 'g'],
  claim: [{ outcome: 'break', at: 'nt!KiSystemCall64+15h', breakpoint: 0 }, { reg: 'rsp', equals: 'poi(@$pcr+1A8h)' }],
};
const at0: Scenario = {
  id: 'bp-syscall-entry-0',
  options: { dfReloadsGs: true },
  commands: ['bp nt!KiSystemCall64', 'kd> g'],
  claim: { outcome: 'bugcheck', code: 0x7f, args: [8] },
};
const at0Default: Scenario = { id: 'bp-syscall-entry-0-default', commands: ['bp nt!KiSystemCall64', 'g'], claim: { outcome: 'budget' }, budget: 100_000 };

describe('headline scenarios', () => {
  const t15 = runScenario(at15);
  const t0 = runScenario(at0);

  it('a breakpoint at KiSystemCall64+15h is hit on the kernel stack', () => {
    expect(t15.outcome.kind).toBe('break');
    expect(normalizeSymbol(t15.outcome.at!)).toBe('nt!kisystemcall64+0x15');
    const r = checkClaim(t15, at15.claim!);
    expect(r.message).toContain('holds');
    expect(r.ok).toBe(true);
    const last = t15.transcript.at(-1)!;
    expect(last.output).toMatch(/^Breakpoint 0 hit/);
    // At the breakpoint the processor runs at CPL 0 with the kernel's GS base (SWAPGS ran) and
    // the user's GS base parked in IA32_KERNEL_GS_BASE.
    expect(last.state.cpl).toBe(0);
    expect(last.state.gsBase.startsWith('ffff')).toBe(true);
    expect(last.state.kernelGsBase.startsWith('ffff')).toBe(false);
  });

  it('a breakpoint at KiSystemCall64+0 runs to the budget on the default machine: kd hears nothing', () => {
    const t = runScenario(at0Default);
    expect(t.outcome.kind).toBe('budget');
    expect(checkClaim(t, at0Default.claim!).ok).toBe(true);
    expect(t.events.some((e) => e.kind === 'exception-delivered' && e.vector === 8)).toBe(true);
  });

  it('with dfReloadsGs, a breakpoint at KiSystemCall64+0 ends in bug check 7F with argument 8 (double fault)', () => {
    expect(t0.outcome.kind).toBe('bugcheck');
    expect(t0.outcome.code).toBe(0x7f);
    expect(checkClaim(t0, at0.claim!).ok).toBe(true);
    // The causal chain is in the event log: a #BP raised on the entry, then the double fault.
    const kinds = t0.events.map((e) => e.kind);
    expect(kinds).toContain('double-fault');
    expect(t0.events[0].kind).toBe('syscall');
    expect(t0.events.some((e) => e.kind === 'exception-delivered' && e.vector === 3 && e.stack === 'none')).toBe(true);
    expect(t0.events.some((e) => e.kind === 'exception-delivered' && e.vector === 8)).toBe(true);
  });

  it('a false claim fails with the scenario, the claim, the actual outcome and the transcript tail', () => {
    const r = checkClaim(t0, { outcome: 'break', at: 'nt!KiSystemCall64' });
    expect(r.ok).toBe(false);
    expect(r.message).toContain('Scenario "bp-syscall-entry-0"');
    expect(r.message).toContain('"break at nt!KiSystemCall64"');
    expect(r.message).toContain('actual outcome: bugcheck 0x7f 0x8');
    expect(r.message).toContain('0: kd> g');
    expect(r.message).toContain('Fatal System Error');
    const wrongArg = checkClaim(t0, { outcome: 'bugcheck', code: 0x7f, args: [0xd] });
    expect(wrongArg.ok).toBe(false);
    expect(wrongArg.message).toContain('expected argument 1 to be 0xd');
  });

  it('an expression claim that is false names both values', () => {
    const s = { ...at15, id: 'rsp-user', claim: { reg: 'rsp', equals: 'poi(@$pcr+10h)' } };
    const t = runScenario(s);
    const r = checkClaim(t, s.claim);
    expect(r.ok).toBe(false);
    expect(r.message).toMatch(/@rsp is ffff[0-9a-f]{4}`[0-9a-f]{8}, poi\(@\$pcr\+10h\) is 0000/);
  });

  it('is deterministic: the same scenario gives the same trace', () => {
    expect(JSON.stringify(runScenario(at0))).toBe(JSON.stringify(t0));
    expect(transcriptText(t15)).toContain('0: kd> bp nt!KiSystemCall64+0x15\n0: kd> g\nBreakpoint 0 hit');
  });

  it('records the state after every command and the options', () => {
    const t = runScenario({ id: 'opts', options: { smap: true }, commands: ['r rip'] });
    expect(t.options).toEqual({ smap: true });
    expect(t.transcript).toHaveLength(1);
    expect(t.transcript[0].state.regs.rip).toMatch(/^[0-9a-f]{16}$/);
    expect(t.outcome.kind).toBe('none');
  });
});

describe('scenario input', () => {
  it('refuses bad ids and options with a specific message', () => {
    expect(() => runScenario({ id: '<x>', commands: [] })).toThrow(ScenarioError);
    expect(() => runScenario({ id: 'x', options: { smep: 'yes' as unknown as boolean }, commands: [] })).toThrow(/smep=yes/);
  });
  it('drops kd prompts from command lines', () => {
    expect(stripPrompt('0: kd> g')).toBe('g');
    expect(stripPrompt('kd> bp nt!Foo')).toBe('bp nt!Foo');
    expect(stripPrompt('u rip')).toBe('u rip');
  });
});

describe('claim language', () => {
  it('reads the written forms', () => {
    expect(parseClaim('break at nt!KiSystemCall64+0x15')).toEqual({ outcome: 'break', at: 'nt!KiSystemCall64+0x15' });
    expect(parseClaim('break 0 at nt!X')).toEqual({ outcome: 'break', at: 'nt!X', breakpoint: 0 });
    expect(parseClaim('bugcheck 0x7f 8')).toEqual({ outcome: 'bugcheck', code: 0x7f, args: [8n] });
    expect(parseClaim('bugcheck 7Fh')).toEqual({ outcome: 'bugcheck', code: 0x7f });
    expect(parseClaim('triple-fault')).toEqual({ outcome: 'triple-fault' });
    expect(parseClaim('break; @rsp == poi(@$pcr+1A8h)')).toEqual([{ outcome: 'break' }, { expr: '@rsp', equals: 'poi(@$pcr+1A8h)' }]);
    expect(describeClaim(parseClaim('bugcheck 7f 8'))).toBe('bugcheck 0x7f 0x8');
  });
  it('refuses what it cannot read, saying why', () => {
    expect(() => parseClaim('crash')).toThrow(ClaimSyntaxError);
    expect(() => parseClaim('crash')).toThrow(/"crash" is not an outcome/);
    expect(() => parseClaim('bugcheck zz')).toThrow(/not a hexadecimal number/);
    expect(() => parseClaim('')).toThrow(/empty/);
    expect(() => parseClaim('step')).toThrow(/needs "at/);
  });
  it('compares kd spellings of an address', () => {
    expect(normalizeSymbol('nt!KiSystemCall64+15h')).toBe(normalizeSymbol('NT!kisystemcall64+0x015'));
    expect(normalizeSymbol('nt!KiSystemCall64')).toBe(normalizeSymbol('nt!KiSystemCall64+0x0'));
  });
});

describe('recycling boot', () => {
  it('gives the same traces as fresh boots, run after run', async () => {
    const { recyclingBoot } = await import('../../emulator/src/scenario/boot-cache.ts');
    const { bootModeledWindows, runScenarioWith } = await import('../../emulator/src/scenario/index.ts');
    const boot = recyclingBoot(bootModeledWindows);
    const scenarios: Scenario[] = [at0, at15, at0, { id: 'steps', commands: ['bp nt!KiSystemCall64+0x15', 'g', 't', 't', 'r'] }, at15];
    for (const s of scenarios) {
      expect(JSON.stringify(runScenarioWith(s, boot))).toBe(JSON.stringify(runScenarioWith(s, bootModeledWindows)));
    }
  });
});

describe('programs (```asm run)', () => {
  it('runs the reader\'s code in user mode: a syscall reaches the +15h breakpoint', async () => {
    const { runProgramWith } = await import('../../emulator/src/scenario/program.ts');
    const { bootModeledWindows } = await import('../../emulator/src/scenario/index.ts');
    const src = 'mov r10,rcx\nmov eax,46h\nsyscall\nint 3\n';
    const r = runProgramWith({ id: 'p', source: src, breakpoints: ['nt!KiSystemCall64+0x15'] }, bootModeledWindows);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.trace.outcome.kind).toBe('break');
    expect(normalizeSymbol(r.trace.outcome.at!)).toBe('nt!kisystemcall64+0x15');
    // The program was entered at CPL 3: the first state after `bp` is the user program's.
    expect(r.trace.transcript[0].state.cpl).toBe(3);
    expect(r.trace.transcript.at(-1)!.command).toBe('r');
    const loop = runProgramWith({ id: 'p', source: 'top: jmp top\n', budget: 5000 }, bootModeledWindows);
    expect(loop.ok && loop.trace.outcome.kind).toBe('budget');
  });
  it('reports assembler errors with line, column and the source line', async () => {
    const { runProgramWith } = await import('../../emulator/src/scenario/program.ts');
    const { bootModeledWindows } = await import('../../emulator/src/scenario/index.ts');
    const r = runProgramWith({ id: 'p', source: 'nop\n  movv rax,1\n' }, bootModeledWindows);
    expect(r).toEqual({ ok: false, error: { line: 2, column: 3, message: "unknown instruction 'movv'", text: '  movv rax,1' } });
  });
});
