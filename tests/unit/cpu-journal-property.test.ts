// The undo journal restores the exact machine: random programs run N steps forward, then are
// undone, and the whole machine (registers, scalars, MSRs, DRs, every memory page, and the
// translations the TLB would give) equals the state before, byte for byte.

import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { world, UDATA, USTACK_TOP } from './cpu-exec-harness.ts';
import { encodeSnapshot } from '../../emulator/src/cpu/index.ts';
import type { Machine } from '../../emulator/src/cpu/index.ts';

const REGS = ['rax', 'rbx', 'rcx', 'rdx', 'rsi', 'rdi', 'r8', 'r9'];
const reg = fc.constantFrom(...REGS);
const line = fc.oneof(
  fc.tuple(reg, fc.bigInt({ min: 0n, max: (1n << 64n) - 1n })).map(([r, v]) => `mov ${r}, 0${v.toString(16)}h`),
  fc.tuple(fc.constantFrom('add', 'sub', 'xor', 'and', 'or', 'adc', 'cmp'), reg, reg).map(([o, a, b]) => `${o} ${a}, ${b}`),
  fc.tuple(reg, fc.integer({ min: 0, max: 0x3ff8 })).map(([r, o]) => `mov qword ptr [r15+0${o.toString(16)}h], ${r}`),
  fc.tuple(reg, fc.integer({ min: 0, max: 0x3ff0 })).map(([r, o]) => `mov ${r}, qword ptr [r15+0${o.toString(16)}h]`),
  fc.tuple(fc.integer({ min: 0, max: 0x3fff }), fc.integer({ min: 0, max: 255 })).map(([o, v]) => `add byte ptr [r15+0${o.toString(16)}h], 0${v.toString(16)}h`),
  reg.map((r) => `push ${r}`),
  reg.map((r) => `pop ${r}`),
  fc.constant('pushfq'),
  fc.constant('popfq'),
  reg.map((r) => `inc ${r}`),
  reg.map((r) => `shl ${r}, 3`),
  fc.constant('rdtsc'),
);

/** The whole machine as bytes, plus translations of the pages the program touches. */
function state(m: Machine): string {
  const snap = Buffer.from(encodeSnapshot(m.snapshot())).toString('base64');
  const tlb = [UDATA, UDATA + 0x1000n, USTACK_TOP - 0x1000n, 0x400000n].map((a) => JSON.stringify(m.translate(a), (_, v) => typeof v === 'bigint' ? v.toString(16) : v));
  return `${snap}|${tlb.join()}|${m.events.total}|${m.journal.frames}`;
}

describe('undo journal property: N steps forward then N back is the identity', () => {
  it('random user programs (with data breakpoints and single steps armed at random)', () => {
    fc.assert(fc.property(fc.array(line, { minLength: 1, maxLength: 40 }), fc.integer({ min: 1, max: 60 }), fc.boolean(), fc.boolean(), (lines, n, tf, ba) => {
      const { m } = world({ user: lines.join('\n') + '\nhlt', journal: 1_000_000 });
      m.setReg('r15', UDATA);
      if (ba) { m.setDr(0, UDATA + 0x10n); m.setDr(7, 0x400n | 1n | (3n << 16n) | (2n << 18n)); }
      if (tf) m.setReg('rflags', m.getReg('rflags') | 0x100n);
      m.journal.enable(1_000_000);
      const before = state(m);
      const states = [before];
      let steps = 0;
      for (; steps < n; steps++) {
        const s = m.step();
        states.push(state(m));
        if (s !== null) { steps++; break; }
      }
      for (let i = steps - 1; i >= 0; i--) {
        expect(m.stepBack()).toBe(true);
        expect(state(m)).toBe(states[i]);
      }
      expect(m.stepBack()).toBe(false);
    }), { numRuns: 150 });
  });

  it('the window keeps at least `capacity` steps and then says it has reached its start', () => {
    const { m } = world({ user: 'l: inc rax\npush rax\npop rbx\njmp l', journal: 0 });
    m.journal.enable(300_000);
    m.run({ budget: 1_000_000 });
    let back = 0;
    while (m.journal.undo()) back++;
    expect(back).toBeGreaterThanOrEqual(300_000);
    expect(back).toBeLessThan(1_000_000);
    expect(m.journal.last()).toBe(null);
  });
});
