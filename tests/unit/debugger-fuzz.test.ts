// 10,000 random command lines per run (seeded): garbage, huge numbers, unknown symbols, odd
// spacing. Each must answer with output or a WinDbg-style error, never throw, never report an
// internal defect, and never run the target past its instruction budget.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KdSession } from '../../emulator/src/debugger/session.ts';
import { bootKernel } from '../../emulator/src/debugger/session.ts';
import type { KernelView } from '../../emulator/src/debugger/target.ts';
import { fakeKernel } from './debugger-fake-kernel.ts';

const NAMES = [
  'bp', 'bu', 'bl', 'bc', 'bd', 'be', 'g', 't', 'p', 'gu', 'r', 'u', 'ub', 'db', 'dw', 'dd', 'dq', 'dp', 'dps',
  'eb', 'ew', 'ed', 'eq', 'rdmsr', 'wrmsr', 'k', 'kb', '!pcr', '!idt', 'dt', '?', 'x', 'ln', 'lm',
  '.bugcheck', '!analyze', '!analyze -v', '.help', 'bp0', 'bu12', 'hello', '.nosuch', '!nosuch', '', 'q',
  'kv', 'kc', 'kn', 'kL', 'kP', '.trap', '.cxr', '??', '.echo', '.printf', '.formats', '.if', '.for', '.while', '.block',
  '.break', '.continue', '.cls', '.help kv', '.frame', '!locks',
  's', 's -b', 's -w', 's -d', 's -q', 's -a', 's -u', 's -[1]b', 's -[', 'dyb', 'db gs:', 'dq gs:[', 'eb fs:',
  '!thread', '!thread -1', '!process', '!process -1 0', '!process 0 0', '.thread', '.process', '.process /r /p', '!prcb',
  'vertarget', 'version', '.lastevent', 'lmvm', 'lmv m', 'lmvm nt',
  'wt', 'wt 1',
  'sx', 'sxe', 'sxd', 'sxn', 'sxi', 'sxr', 'sxe bpe', 'sxd *', 'sxi sse', 'gn',
  'dt -r', 'dt -r1', 'dt -b', 'dt -v', 'dt -rv _KPCR', 'dt -r9 nt!_KPCR @$pcr',
];
// The scripting grammar: conditions and C++ expressions, and programs whose bodies are other lines.
const CONDS = ['1', '0', '@rax', '@$t0 < 3', '@$t0 == 2', 'poi(0)', '(1', '@@c++(@$pcr->Prcb.RspBase)', '@@masm(nt)', 'nt!Nope', ''];
const CPP = ['@$pcr->Prcb.RspBase', '@$thread->Teb', '10+5', '(1 == 1) && 0', '@rax', '*@$pcr', '@$pcr->', '((1)', '@@masm(poi(@rsp))', '&@$pcr->Prcb', '@$proc->Nope', '1/0'];
const ATOMS = [
  'nt!KiSystemCall64', 'nt!KiSystemCall64+0x15', 'nt!NoSuchSym', 'KiSystemCall64', 'nt', '@rax', '@rip', '@$ip',
  '@$pcr', '@$prcb', '@$thread', '@$t0', '@foo', 'rax', 'rsp+28', 'zf', 'poi(@rsp)', 'poi(0)', 'dwo(1000)', 'by(nt)',
  '0x', '0n12', '0t17', '0y101', '0n1f', 'fffff803`1b201000', 'ffffffffffffffffffff', '1`2`3', '-1', 'L4', 'L?10',
  'L100000000', 'l 2', '*', '1-3', '1,2', '_KPCR', 'nt!_KPCR', 'nt!_NOSUCH', 'Ki*', 'nt!Ki?ystem*', '=', 'rax=5',
  'rip=0', 'rip=nt!KiSystemCall64', '(', ')', '+', '*', 'mod', 'and', 'not', 'hi', '>>>', '"', ';', '$$', '-v', 'm nt',
  'bpe', 'sse', 'av', '-c',
  '_KTSS64', '_KIDTENTRY64', '_KGDTENTRY64', '_KUSER_SHARED_DATA', 'SharedUserData', '-r', '-r3', '-b', '-v', '-rb',
  'gs:0', 'gs:[188]', 'gs:[', 'fs:', 'ss:0', '"MZ"', '"', "'VUTS'", "'", ']',
];

const arbLine = fc.oneof(
  { weight: 4, arbitrary: fc.tuple(
    fc.constantFrom(...NAMES),
    fc.array(fc.oneof(
      fc.constantFrom(...ATOMS),
      fc.bigInt({ min: 0n, max: (1n << 80n) - 1n }).map((v) => v.toString(16)),
      fc.integer({ min: 0, max: 0xffff }).map((v) => v.toString(16)),
    ), { maxLength: 5 }),
    fc.constantFrom(' ', '  ', '\t', ',', ' , ', ''),
  ).map(([name, args, sep]) => [name, ...args].join(sep)) },
  { weight: 1, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 2, arbitrary: fc.tuple(
    fc.constantFrom('.if', '.for', '.while', '.block', '??', '.printf'),
    fc.constantFrom(...CONDS), fc.constantFrom(...CPP), fc.constantFrom(...NAMES), fc.constantFrom(...ATOMS),
    fc.integer({ min: 0, max: 5 }), fc.constantFrom('', '}', '{', ';', ' .else { .echo e }', ' .elsif (0) { k }', ' .else'),
  ).map(([kind, cond, cpp, name, atom, n, tail]) => {
    const body = `${name} ${atom}`;
    switch (kind) {
      case '.if': return `.if (${cond}) { ${body}; .echo x }${tail}`;
      case '.for': return `.for (r $t0=0; @$t0<${n}; r $t0=@$t0+1) { ${body} }${tail}`;
      case '.while': return `r $t0=0; .while (@$t0 < ${n}) { r $t0=@$t0+1; ${body}; .if (${cond}) { .break } }${tail}`;
      case '.block': return `.block { ${body}; ${body} }${tail}`;
      case '??': return `?? ${cpp}${tail}`;
      default: return `.printf "%p %x %d %y %ma %mu %s\\n", ${atom}, ${atom}, 1${tail}`;
    }
  }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 20 }) },
);

/** Wraps a kernel so the test sees every resume and its budget. */
function recording(kernel: KernelView, resumes: Array<{ budget: number }> = []): { kernel: KernelView; resumes: Array<{ budget: number }> } {
  const resume = kernel.resume.bind(kernel);
  kernel.resume = (o) => {
    resumes.push(o);
    return resume(o);
  };
  return { kernel, resumes };
}

function fuzz(kernel: KernelView, resumes: Array<{ budget: number }>, budget: number, runs: number, seed: number): void {
  // Reboots get a fresh kernel whose resumes are recorded in the same list.
  const session = new KdSession({ kernel, budget, boot: () => recording(bootKernel({}), resumes).kernel });
  let n = 0;
  let reboots = 0;
  fc.assert(
    fc.property(arbLine, (line) => {
      if (session.ended) session.ended = false; // keep going after a random `q`
      // A bug check or triple fault ends the target: restart it (a bounded number of times, each
      // boot costs a few hundred milliseconds) so that later lines exercise a running machine.
      if (session.halted && reboots < MAX_REBOOTS) {
        reboots++;
        session.exec('.reboot');
      }
      const before = resumes.length;
      const r = session.exec(line);
      n++;
      expect(typeof r.output).toBe('string');
      expect(r.output).not.toMatch(/Internal debugger error|\n\s+at .*\.ts:\d+/);
      // Each `g` stays within its budget; `t`/`p` counts resume at most 0x1000 times, each
      // within the single-step allowance; a loop stops after 0x100 target events (plus the
      // round that crossed the limit).
      const ran = resumes.slice(before).reduce((a, x) => a + x.budget, 0);
      expect(ran).toBeLessThanOrEqual((0x1000 + 0x100) * (100_000 + budget));
    }),
    { numRuns: runs, seed },
  );
  expect(n).toBe(runs);
  expect(reboots).toBeLessThanOrEqual(MAX_REBOOTS);
}

const MAX_REBOOTS = 25;

describe('fuzz: random command lines', () => {
  it('10,000 lines against the modeled kernel: output or a WinDbg-style error, no throw, within budget', () => {
    const { kernel, resumes } = recording(bootKernel({}));
    fuzz(kernel, resumes, 2000, 10_000, 0x5eed);
  });
  it('10,000 lines against the stand-in kernel (no events, every command path)', () => {
    const kernel = fakeKernel();
    fuzz(kernel, kernel.resumes, 5000, 10_000, 0xfeed);
  });
});
