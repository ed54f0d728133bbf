// What the widgets promise, checked on the emulator in Node: the lab's command list numbers its
// breakpoints as kd does, Step over runs a user `syscall` to its return (kd's `p`), a sliced run
// prints what an unsliced one prints, and a code block runs the reader's code only.
import { describe, expect, it } from 'vitest';
import { labCommands } from '../../components/lib/lab-commands.ts';
import { CpuStepper } from '../../emulator/src/scenario/cpu-stepper.ts';
import { bootModeledWindows, runScenario } from '../../emulator/src/scenario/index.ts';
import { openSession, traceSession } from '../../emulator/src/scenario/run.ts';
import { traceSessionAsync } from '../../emulator/src/scenario/run-async.ts';
import { runProgramWith } from '../../emulator/src/scenario/program.ts';

const ENTRY = 'nt!KiSystemCall64';
const label = (o: number) => (o === 0 ? ENTRY : `${ENTRY}+0x${o.toString(16)}`);

/** kd's own list after the commands: `bl` lines "N e ... nt!KiSystemCall64+0x15" -> offset -> id. */
function kdIds(commands: string[]): Map<number, number> {
  const t = runScenario({ id: 'lab', commands: [...commands, 'bl'] });
  const out = new Map<number, number>();
  for (const line of t.transcript[t.transcript.length - 1].output.split('\n')) {
    const m = /^\s*(\d+) e .*(nt!KiSystemCall64(?:\+0x([0-9a-f]+))?)\s*$/.exec(line);
    if (m) out.set(m[3] ? parseInt(m[3], 16) : 0, Number(m[1]));
  }
  return out;
}

describe('the lab command list', () => {
  it('numbers breakpoints as kd does, for random click sequences', () => {
    let seed = 17;
    const rnd = () => { seed = (seed * 1103515245 + 12345) % 2 ** 31; return seed / 2 ** 31; };
    const rows = [0, 3, 0xc, 0x15];
    for (let n = 0; n < 12; n++) {
      const clicks = Array.from({ length: 1 + Math.floor(rnd() * 12) }, () => rows[Math.floor(rnd() * rows.length)]);
      const { commands, ids } = labCommands(clicks, label);
      expect(kdIds(commands), clicks.join(',')).toEqual(ids);
    }
  });

  it('clears by the id kd gave, not by position: set +15h, set +0Ch, clear +15h', () => {
    const { commands, ids } = labCommands([0x15, 0xc, 0x15], label);
    expect(commands).toEqual([`bp ${ENTRY}+0x15`, `bp ${ENTRY}+0xc`, 'bc 0']);
    expect([...ids]).toEqual([[0xc, 1]]);
  });
});

describe('Step over (F10) as kd\'s p', () => {
  it('over a user-mode syscall ends after it, back in user mode', () => {
    const s = CpuStepper.start(bootModeledWindows, {}, 'ntdll!NtClose+0x12');
    expect(s.view().line).toMatch(/syscall/);
    expect(s.stepOver()).toBeNull();
    expect(s.view().at).toBe('ntdll!NtClose+0x14');
    expect(s.view().state.cpl).toBe(3);
    s.back();
    expect(s.view().at).toBe('ntdll!NtClose+0x12');
    s.step();
    expect(s.view().at).toBe(ENTRY);
  });
});

describe('sliced runs', () => {
  it('give the trace an unsliced run gives, also for a run to the budget', async () => {
    for (const commands of [[`bp ${ENTRY}`, 'g'], ['g']]) {
      const a = traceSession({ id: 'x', commands }, openSession({}, bootModeledWindows));
      let pauses = 0;
      const b = await traceSessionAsync({ id: 'x', commands }, openSession({}, bootModeledWindows), { yield: async () => { pauses++; } });
      expect(b).toEqual(a);
      if (a.outcome.kind === 'budget') expect(pauses).toBeGreaterThan(10);
    }
  });
});

describe('code blocks run the reader\'s code only', () => {
  const run = (source: string) => {
    const r = runProgramWith({ id: 'p', source, breakpoints: [`${ENTRY}+0x15`] }, bootModeledWindows);
    if (!r.ok) throw new Error(r.error.message);
    return r;
  };
  it('code without a syscall never reaches the system-call entry: it stops where it ends', () => {
    for (const source of ['mov eax, 0Fh', '']) {
      const r = run(source);
      expect(r.trace.outcome.kind).toBe('break');
      expect(r.trace.outcome.breakpoint).toBeUndefined();
      expect(r.trace.outcome.address).toBe(r.end);
    }
  });
  it('a fault on the reader\'s instruction is reported with its name and chain', () => {
    for (const [source, name] of [['ud2', '#UD'], ['xor ecx,ecx\ndiv ecx', '#DE'], ['cli', '#GP'], ['mov rax, [0]', '#PF']]) {
      const r = run(source);
      expect(r.fault?.name, source).toBe(name);
      expect(r.fault?.chain[0].kind).toBe('exception-raised');
      expect(r.fault?.chain.some((e) => e.kind === 'exception-delivered')).toBe(true);
    }
  });
});
