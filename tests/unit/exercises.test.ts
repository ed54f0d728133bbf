// Every chapter's exercises: 2-4 per chapter, each solved by its stored solution and refusing its
// plausible wrong attempt, checked on the modeled machine after every command.
import { describe, it, expect } from 'vitest';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { attempt, commandName, commandNames, validateExercise, ExerciseTracker, type Exercise } from '../../emulator/src/scenario/exercise.ts';
import { bootModeledWindows, openSession } from '../../emulator/src/scenario/index.ts';

const chapters = readdirSync('content/chapters').filter((f) => f.endsWith('.mdx')).map((f) => f.replace(/\.mdx$/, ''));
const all: Record<string, Exercise[]> = {};
for (const c of chapters) all[c] = (await import(path.resolve(`content/exercises/${c}.ts`))).default;

describe('exercises', () => {
  for (const c of chapters) {
    it(`${c} ends with 2 to 4 checked exercises`, () => {
      expect(all[c].length).toBeGreaterThanOrEqual(2);
      expect(all[c].length).toBeLessThanOrEqual(4);
      expect(new Set(all[c].map((e) => e.id)).size).toBe(all[c].length);
      for (const e of all[c]) {
        // Solution solves, wrong attempt never does (validateExercise runs both)...
        validateExercise(c, e, bootModeledWindows);
        // ... and the solution needs every one of its lines.
        expect(attempt(e, e.solution, bootModeledWindows).solvedAfter).toBe(e.solution.length - 1);
      }
    });
  }

  it('reads command names as kd does', () => {
    expect(commandName('0: kd> bp1 nt!KiSystemCall64')).toBe('bp');
    expect(commandName('!pcr')).toBe('!pcr');
    expect(commandName('.bugcheck')).toBe('.bugcheck');
    expect(commandName('? @rsp')).toBe('?');
    expect(commandNames('bp nt!KiSystemCall64+15; g; r rsp')).toEqual(['bp', 'g', 'r']);
  });

  it('is checked after every command, so a goal reached mid-way counts', () => {
    const e = all['handling-syscalls'].find((x) => x.id === 'down-without-a-breakpoint')!;
    expect(attempt(e, ['eq @$pcr+1A8 0', 'g', 'r'], bootModeledWindows).solvedAfter).toBe(1);
    // A breakpoint typed after the crash still breaks the rule.
    const s = openSession({}, bootModeledWindows);
    const t = new ExerciseTracker(e);
    for (const l of ['bp nt!KiSystemCall64+0x15', 'bc *', 'eq @$pcr+1A8 0', 'g']) { s.exec(l); t.afterCommand(s, l); }
    expect(t.verdict(s)).toEqual({ solved: false, unmet: ['bp was used in this session, and this goal forbids it (reload the page for a fresh one)'] });
  });

  it('refuses malformed exercise data with a message naming the exercise', () => {
    const good = all['handling-syscalls'][0];
    expect(() => validateExercise('x', { ...good, hints: [] }, bootModeledWindows)).toThrow(/exercise "kernel-stack": give one or two hints/);
    expect(() => validateExercise('x', { ...good, check: { used: ['r'] } }, bootModeledWindows)).toThrow(/says nothing about the machine/);
    expect(() => validateExercise('x', { ...good, check: { state: 'brake at x' } }, bootModeledWindows)).toThrow(/Cannot read the claim/);
    expect(() => validateExercise('x', { ...good, solution: ['r'] }, bootModeledWindows)).toThrow(/does not solve it: the machine is not there yet/);
    expect(() => validateExercise('x', { ...good, wrong: { commands: good.solution, why: '' } }, bootModeledWindows)).toThrow(/wrong attempt .* is accepted/);
  });
});
