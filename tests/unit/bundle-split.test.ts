// What the widgets' emulator chunk carries, checked on the module graph the browser gets (esbuild
// with the browser condition, as the site's build resolves `#kd-command-set`): everything the
// breakpoint lab and the stepper load with it, against what must wait for a kd console's first
// command (kd's other families and their formats), a code block (its runner, the assembler) or
// an exercise. A static import that drags one of those in fails here, naming the file; the
// gzip ceilings are tests/e2e/widgets-weight.spec.ts.
import { build, type Metafile } from 'esbuild';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');

async function graph(): Promise<Metafile> {
  const r = await build({
    entryPoints: [path.join(root, 'components/lib/emulator.ts')],
    absWorkingDir: root,
    bundle: true,
    write: false,
    format: 'esm',
    splitting: true,
    outdir: path.join(root, 'bundle-split'),
    metafile: true,
    conditions: ['browser'],
    platform: 'browser',
    logLevel: 'silent',
  });
  return r.metafile;
}

/** The source files of the entry's chunk and every chunk it imports statically. */
function staticInputs(meta: Metafile): Set<string> {
  const outputs = meta.outputs;
  const entry = Object.keys(outputs).find((o) => outputs[o].entryPoint === 'components/lib/emulator.ts');
  if (!entry) throw new Error('no output for the emulator entry');
  const seen = new Set<string>();
  const files = new Set<string>();
  const visit = (o: string) => {
    if (seen.has(o)) return;
    seen.add(o);
    for (const f of Object.keys(outputs[o].inputs)) files.add(f);
    for (const i of outputs[o].imports) if (i.kind === 'import-statement') visit(i.path);
  };
  visit(entry);
  return files;
}

/** Every source file in any chunk, loaded at once or later. */
function allInputs(meta: Metafile): Set<string> {
  return new Set(Object.values(meta.outputs).flatMap((o) => Object.keys(o.inputs)));
}

describe('the emulator chunk the lab and the stepper load', () => {
  it('holds kd core and leaves the rest of kd to a console\'s first command', async () => {
    const meta = await graph();
    const now = staticInputs(meta);
    const ever = allInputs(meta);
    // The lab's and the stepper's machinery is there.
    for (const f of ['emulator/src/debugger/session.ts', 'emulator/src/debugger/commands/core.ts', 'emulator/src/debugger/format/core.ts', 'emulator/src/scenario/cpu-stepper.ts', 'emulator/src/windows/boot.ts']) {
      expect(now, f).toContain(f);
    }
    // kd's other families and what only they use load later (they are in the build, not in this chunk).
    for (const f of [
      'emulator/src/debugger/commands/index.ts',
      'emulator/src/debugger/commands/unmodeled.ts',
      'emulator/src/debugger/commands/args.ts',
      'emulator/src/debugger/format.ts',
      'emulator/src/debugger/time-travel.ts',
      'emulator/src/debugger/bpmap.ts',
    ]) {
      expect(ever, f).toContain(f);
      expect(now, `${f} is loaded with the emulator chunk`).not.toContain(f);
    }
    // Nor the assembler or a code block's runner.
    for (const f of ['emulator/src/cpu/assembler.ts', 'emulator/src/scenario/program-code.ts']) {
      expect(now, `${f} is loaded with the emulator chunk`).not.toContain(f);
    }
  }, 60_000);
});
