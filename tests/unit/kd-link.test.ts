// The kd widget's permalink carries the time-travel position: replaying a link's commands on a
// fresh boot reaches the position it records, and when it does not (a link that dropped commands),
// the `!tt` the widget runs takes the session there, and the note says so.
import { describe, expect, it } from 'vitest';
import { decodeCommands, decodePosition, linkFor, positionFix, positionOf } from '../../components/lib/kd-link.ts';
import { readHash } from '../../components/lib/permalink.ts';
import { bootModeledWindows } from '../../emulator/src/scenario/index.ts';
import { openSession } from '../../emulator/src/scenario/run.ts';

const open = () => openSession({ budget: 300_000 }, bootModeledWindows);
const LINES = ['bp nt!KiSystemCall64+0x15', 'g', 't', 't', 't', 't-', 'p-'];

function restore(hash: string) {
  const read = readHash(hash);
  if (read.kind !== 'ok') throw new Error('link refused');
  return { lines: decodeCommands(read.state.fields.get('c')!)!, claimed: decodePosition(read.state.fields.get('t')!)! };
}

describe('kd permalinks and time travel', () => {
  const a = open();
  for (const l of LINES) a.exec(l);
  const at = positionOf(a)!;

  it('record the position the session stands at, after travelling back', () => {
    expect(at).toBeGreaterThan(0);
    const { hash, dropped } = linkFor('kd-x', 'v1', LINES, at);
    expect(dropped).toBe(0);
    expect(hash).toContain(`&t=${at.toString(16)}&`);
  });

  it('replayed on a fresh boot, the commands reach that position: nothing to fix', () => {
    const { lines, claimed } = restore(linkFor('kd-x', 'v1', LINES, at).hash);
    const b = open();
    for (const l of lines) b.exec(l);
    expect(positionOf(b)).toBe(claimed);
    expect(positionFix(positionOf(b), claimed)).toBeNull();
    // Same place, same registers.
    expect(b.exec('r').output).toBe(a.exec('r').output);
  });

  it('a link whose commands stop short: !tt takes the session to the recorded position, and says so', () => {
    const b = open();
    for (const l of LINES.slice(0, 2)) b.exec(l);
    const fix = positionFix(positionOf(b), at)!;
    expect(fix.command).toBe(`!tt ${at.toString(16).toUpperCase()}:0`);
    expect(fix.note).toContain(`not the ${at.toString(16).toUpperCase()}:0 it records`);
    b.exec(fix.command);
    expect(positionOf(b)).toBe(at);
    expect(b.exec('r').output).toBe(a.exec('r').output);
  });

  it('a link that cannot hold every command says how many it dropped, and still records the position', () => {
    const many = Array.from({ length: 300 }, (_, i) => `.echo ${'x'.repeat(40)} ${i}`);
    const { hash, dropped } = linkFor('kd-x', 'v1', many, at);
    expect(dropped).toBeGreaterThan(0);
    expect(restore(hash).lines).toHaveLength(many.length - dropped);
    expect(restore(hash).claimed).toBe(at);
    // Malformed positions are refused by the decoder.
    expect(decodePosition('xyz')).toBeNull();
    expect(decodePosition('1'.repeat(13))).toBeNull();
  });
});
