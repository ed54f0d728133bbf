// Widget permalinks: what a hash may hold, and that anything else is refused with a reason that
// never quotes the hash. Property test: no random hash makes the reader throw or yields a field
// value outside the allowed alphabet.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { hexList, readHash, writeHash } from '../../components/lib/permalink.ts';

describe('readHash', () => {
  it('leaves anchors that are not widget state alone', () => {
    expect(readHash('#breakpoints')).toEqual({ kind: 'none' });
    expect(readHash('')).toEqual({ kind: 'none' });
  });
  it('round-trips what writeHash writes', () => {
    const h = writeHash('syscall-entry-lab', [['bp', '0,15'], ['go', '1'], ['v', '1']]);
    expect(h).toBe('#w=syscall-entry-lab&bp=0,15&go=1&v=1');
    const r = readHash(h);
    expect(r.kind).toBe('ok');
    if (r.kind === 'ok') expect([...r.state.fields]).toEqual([['bp', '0,15'], ['go', '1'], ['v', '1']]);
  });
  it('refuses markup, bad ids, repeated keys and oversized links, without quoting them', () => {
    const cases = [
      '#w=lab&bp=%3Cimg%20src=x%20onerror=alert(1)%3E',
      '#w=<script>',
      '#w=lab&bp=1&bp=2',
      '#w=lab&bp',
      '#w=' + 'a'.repeat(3000),
      '#w=lab&BP=1',
    ];
    for (const c of cases) {
      const r = readHash(c);
      expect(r.kind, c).toBe('refused');
      if (r.kind === 'refused') {
        expect(r.reason).not.toMatch(/[<>%]/);
        expect(c.includes(r.reason)).toBe(false);
      }
    }
  });
  it('never throws, and accepted values stay in the safe alphabet', () => {
    fc.assert(fc.property(fc.string({ maxLength: 300 }), (s) => {
      const r = readHash('#w=' + s);
      if (r.kind === 'ok') {
        expect(r.state.id).toMatch(/^[A-Za-z0-9][\w.-]*$/);
        for (const v of r.state.fields.values()) expect(v).toMatch(/^[A-Za-z0-9_.,:~-]*$/);
      }
    }), { numRuns: 2000 });
  });
  it('reads breakpoint offset lists', () => {
    expect(hexList('0,15')).toEqual([0, 0x15]);
    expect(hexList('')).toEqual([]);
    expect(hexList('0,,1')).toBeNull();
    expect(hexList('zz')).toBeNull();
  });
});
