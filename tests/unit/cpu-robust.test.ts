// Robustness: random byte programs at CPL3 and at CPL0 always end in a named stop reason within
// the budget, and no host exception escapes run(). Seeded, so a failure is reproducible; the
// failing bytes are printed by fast-check.

import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { world, UCODE, KCODE } from './cpu-exec-harness.ts';

const NAMED = new Set(['hook', 'exception', 'halt', 'triple-fault', 'budget']);

function check(cpl: 0 | 3, seed: number): { counts: Record<string, number> } {
  const { m } = world({ cpl, user: 'nop', kernel: 'nop' });
  const start = m.snapshot();
  const base = cpl === 3 ? UCODE : KCODE;
  const counts: Record<string, number> = {};
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 1, maxLength: 48 }), fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), (bytes, rv) => {
      m.load(start);
      m.events.clear();
      m.writeVirtual(base, bytes);
      // Registers get a mix of small values and addresses that are mapped in the world.
      for (const [i, r] of ['rax', 'rbx', 'rcx', 'rdx', 'rsi', 'rdi', 'r8', 'r9'].entries()) {
        m.setReg(r, i % 2 ? base + 0x100n : BigInt.asUintN(64, rv >> BigInt(i * 8)));
      }
      let stop;
      try {
        stop = m.run({ budget: 300 });
      } catch (e) {
        throw new Error(`host exception escaped run(): ${String(e)}`);
      }
      counts[stop.kind] = (counts[stop.kind] ?? 0) + 1;
      return NAMED.has(stop.kind);
    }),
    { seed, numRuns: 10_000 },
  );
  return { counts };
}

describe('robustness: random byte programs', () => {
  it('10,000 programs at CPL3 each end in a named stop reason', () => {
    const { counts } = check(3, 0x5eed3);
    console.log('CPL3 stop reasons:', counts);
    expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBe(10_000);
  });
  it('10,000 programs at CPL0 each end in a named stop reason', () => {
    const { counts } = check(0, 0x5eed0);
    console.log('CPL0 stop reasons:', counts);
    expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBe(10_000);
  });
});
