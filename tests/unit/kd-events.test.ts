// sx, sxe, sxd, sxn, sxi, sxr and gn on the model's KdTrap path: an int 3 already in the code
// (written with eb) is an exception kd did not cause, and the filter decides whether kd breaks in
// or lets the kernel dispatch it on. What happens next is what the modeled kernel reaches.
import { describe, expect, it } from 'vitest';
import { KdSession } from '../../emulator/src/debugger/session.ts';
import '../../emulator/src/debugger/commands/index.ts';

const SRC = {
  sx: 'learn.microsoft.com "sx, sxd, sxe, sxi, sxn, sxr, sx- (Set Exceptions)": ` bpe - Break instruction exception - break`, `bpec - Break instruction exception continue - handled` (code right-aligned in four columns); sxd: "second-chance break"',
  banner: 'kd\'s first-chance banner: `Break instruction exception - code 80000003 (first chance)` (public kd transcripts)',
};

function withInt3(): KdSession {
  const s = new KdSession({ budget: 300_000 });
  s.exec('eb @rip cc');
  return s;
}

describe(`sx (${SRC.sx.slice(0, 60)}…)`, () => {
  it('lists the two exceptions the model reports, and what each filter does', () => {
    const s = new KdSession({ budget: 1000 });
    const rows: Array<[string, string]> = [
      ['sxe bpe', ' bpe - Break instruction exception - break'],
      ['sxd bpe', ' bpe - Break instruction exception - second-chance break'],
      ['sxn bpe', ' bpe - Break instruction exception - output'],
      ['sxi bpe', ' bpe - Break instruction exception - ignore'],
      ['sxr', ' bpe - Break instruction exception - break'],
      ['sxd *', ' sse - Single step exception - second-chance break'],
    ];
    for (const [cmd, line] of rows) {
      expect(s.exec(cmd).output).toBe('');
      expect(s.exec('sx').output.split('\n')).toContain(line);
    }
    expect(s.exec('sx').output.split('\n')).toContain('bpec - Break instruction exception continue - handled');
    expect(s.exec('sxe av').output).toContain('not an exception the model reports');
  });
});

describe(`an int 3 in the code under each filter (${SRC.banner.slice(0, 50)}…)`, () => {
  it('sxe (the default): kd breaks in on the int 3', () => {
    const s = withInt3();
    const rip = s.machine.getReg('rip');
    const out = s.exec('g').output.split('\n');
    expect(out[0]).toBe('Break instruction exception - code 80000003 (first chance)');
    expect(s.lastEvent).toMatchObject({ kind: 'break', breakpoint: null, address: rip });
  });
  it('sxd: the banner, then the exception goes on unhandled: the user-mode int 3 ends the process through KiUserExceptionDispatcher', () => {
    const s = withInt3();
    s.exec('sxd bpe');
    const out = s.exec('g').output.split('\n');
    expect(out[0]).toBe('Break instruction exception - code 80000003 (first chance)');
    expect(s.lastEvent?.kind).toBe('exited');
    expect(out[1]).toBe('The process exited with status 80000003; the processor is idle.');
    expect(s.exec('k').output).toContain('ntdll!KiUserExceptionDispatcher');
  });
  it('sxi: the same, without the banner', () => {
    const s = withInt3();
    s.exec('sxi bpe');
    expect(s.exec('g').output).toBe('The process exited with status 80000003; the processor is idle.');
  });
  it("kd's own breakpoints break whatever the filter", () => {
    const s = new KdSession({ budget: 300_000 });
    s.exec('sxi *');
    s.exec('bp nt!KiSystemCall64+0x15');
    expect(s.exec('g').output.split('\n')[0]).toBe('Breakpoint 0 hit');
  });
  it('gn after the break: the same path as sxd, chosen at the stop', () => {
    const s = withInt3();
    s.exec('g');
    expect(s.exec('gn').output).toBe('The process exited with status 80000003; the processor is idle.');
  });
});
