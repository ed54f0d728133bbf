// `npm run size:modules`: what the emulator's browser chunks are made of. Bundles the widgets'
// emulator entry (components/lib/emulator.ts) and the chunks it loads later (kd's full command
// set, a code block's runner, the assembler) with esbuild the way the site's build splits them
// (browser conditions, so `#kd-command-set` is the lazy loader; minified; ES modules with code
// splitting), then prints each chunk's raw and gzip bytes and the source files in it, largest
// first, with their minified bytes. esbuild's chunks are close to, not the same as, the ones
// `astro build` writes (Rollup names and merges them differently); `npm run size` and
// `npm run bench:web` weigh the real ones.
// Options: --top N (files listed per chunk, default 25).
import * as esbuild from 'esbuild';
import { gzipSync } from 'node:zlib';
import path from 'node:path';

const args = process.argv.slice(2);
const topAt = args.indexOf('--top');
const TOP = topAt >= 0 ? Number(args[topAt + 1]) : 25;
const root = process.cwd();
const entries = [
  'components/lib/emulator.ts',
  'components/lib/program-runner.ts',
  'emulator/src/scenario/program-code.ts',
  'components/lib/exercise-check.ts',
];

const result = await esbuild.build({
  entryPoints: entries.map((e) => path.join(root, e)),
  bundle: true,
  minify: true,
  format: 'esm',
  splitting: true,
  write: false,
  outdir: path.join(root, 'chunks'),
  metafile: true,
  conditions: ['browser'],
  platform: 'browser',
  target: 'es2022',
  logLevel: 'error',
});

const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
const rows = Object.entries(result.metafile.outputs).map(([name, out]) => {
  const file = result.outputFiles.find((f) => path.relative(root, f.path) === name);
  return { name, out, gzip: file ? gzipSync(file.contents, { level: 9 }).length : 0 };
});
rows.sort((a, b) => b.gzip - a.gzip);
for (const { name, out, gzip } of rows) {
  const entry = out.entryPoint ? `entry ${out.entryPoint}` : 'shared';
  console.log(`\n${path.basename(name)}  ${kb(out.bytes)} minified, ${kb(gzip)} gzip  (${entry})`);
  const inputs = Object.entries(out.inputs).filter(([, v]) => v.bytesInOutput > 0).sort((a, b) => b[1].bytesInOutput - a[1].bytesInOutput);
  for (const [file, v] of inputs.slice(0, TOP)) console.log(`  ${String(v.bytesInOutput).padStart(7)}  ${file}`);
  if (inputs.length > TOP) console.log(`  ... ${inputs.length - TOP} more files, ${inputs.slice(TOP).reduce((a, [, v]) => a + v.bytesInOutput, 0)} bytes`);
}
