// npm run fuzz:cpu -- --sequences N --seed S [--batch B] [--record]
// A long differential campaign of the CPU against this machine's processor. Prints progress per
// batch and a summary (sequences, instructions, faults compared, table rows covered, mismatches);
// every mismatch is printed minimised, and with --record appended to the regression file.

import { buildRunner } from './native.ts';
import { campaign, summary, describe } from './campaign.ts';
import { addRegressions } from './regressions.ts';

const args = process.argv.slice(2);
const opt = (name: string, dflt: number): number => {
  const i = args.indexOf(`--${name}`);
  if (i < 0) return dflt;
  const v = Number(args[i + 1]);
  if (!Number.isFinite(v) || v < 0) { console.error(`--${name} needs a number, got '${args[i + 1] ?? ''}'`); process.exit(2); }
  return v;
};
const sequences = opt('sequences', 10000), seed = opt('seed', 1), batch = opt('batch', 1000);
const exe = buildRunner();
if (!exe) { console.error('The native runner needs Linux on x86-64 and gcc; nothing to compare against here.'); process.exit(2); }
const t0 = Date.now();
let shown = 0;
const r = campaign(exe, {
  sequences, seed, batch, maxFound: 200,
  onProgress: (p) => {
    console.log(`[${((Date.now() - t0) / 1000).toFixed(0)} s] ${summary(p)}`);
    for (; shown < p.found.length; shown++) console.log(describe(p.found[shown]));
  },
});
console.log(`seed ${seed}: ${summary(r)}`);
if (r.unmodeled.size) console.log('bytes outside the table the host executed: ' + [...r.unmodeled].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} x${n}`).join('; '));
if (args.includes('--record') && r.found.length) {
  addRegressions(r.found.filter((f) => f.minimal).map((f) => ({ found: f.mismatch.what, c: f.case, host: f.host })));
  console.log('recorded in tests/oracle/regressions/cpu-fuzz.json');
}
process.exit(r.found.length ? 1 : 0);
