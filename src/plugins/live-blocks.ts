// Remark plugin for the chapters' MDX: fenced blocks that the build computes on the emulator.
//
//   ```windbg run [claim="..."] [smep|nosmep] [smap] [kvaShadow] [dfReloadsGs] [movSsFix] [budget=N] [id=name] [live]
//   rdmsr c0000082                 <- only commands (`kd>` prompts are optional)
//   ```
//   The build runs the commands on the modeled kernel and puts the whole session, with kd's
//   output, in their place (highlighted with the `windbg` grammar). With `live`, the block is a
//   KdSession widget: the same transcript, then a prompt the reader can type into.
//
//   ```windbg lab [claim+0="..."] [claim+15h="..."] [options] [budget=N] [id=name]
//   u nt!KiSystemCall64 L4         <- the listing whose rows take breakpoints
//   ```
//   A BreakpointLab widget. Each `claim+<offset>` is a run the build makes (`bp <row>`, `g`)
//   and checks; the page shows those runs without JavaScript.
//
//   ```windbg stepper from=nt!KiSystemCall64 [passes=N] steps=4 [claim@2="..."] [options] [id=name]
//   ```
//   A Stepper widget: the processor stopped (from the outside) at `from`, stepped `steps` times
//   at build time; `claim@N` is checked after N instructions.
//
//   ```windbg map fn=nt!KiSystemCall64 [claim+15h="..."] [lab=<lab id>] [options] [id=name]
//   ```
//   A BreakpointMap widget: kd's `!bpmap` of the path, one column per machine (bpmap-block.ts).
//
// A claim the emulator does not meet throws, which fails the build with the chapter file, the
// block's line, the claim, the actual outcome and the end of the transcript.

import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { Parser } from 'acorn';
import { checkClaim, claimExpressions, describeClaim, parseClaim, type Claim } from '../../emulator/src/scenario/claims.ts';
import { runScenarioWith, transcriptText, stripPrompt, EMULATOR_VERSION, type BootKernel, type Scenario } from '../../emulator/src/scenario/run.ts';
import type { ScenarioOptions, Trace } from '../../emulator/src/scenario/trace.ts';
import { CpuStepper, type StepView } from '../../emulator/src/scenario/cpu-stepper.ts';
import { runProgramWith } from '../../emulator/src/scenario/program.ts';
import type { LabData, LabRow, ProgramData, StepperData } from '../../components/lib/widget-data.ts';
import { mapBlock, type LabInfo } from './bpmap-block.ts';
import { ROUTINE_STATUS, routineStatus } from '../../emulator/src/windows/provenance/routine-status.ts';
import { MACHINE_OPTION_NAMES, MACHINE_OPTIONS } from '../../emulator/src/windows/options.ts';

type MdNode = {
  type: string;
  lang?: string | null;
  meta?: string | null;
  value?: string;
  name?: string;
  attributes?: unknown[];
  children?: MdNode[];
  position?: { start: { line: number } };
  data?: Record<string, unknown>;
};
type VFileLike = { path?: string; history?: string[]; cwd?: string };

export interface LiveBlocksOptions {
  /** Kernel to run blocks on (default: the modeled Windows kernel). */
  boot?: BootKernel;
  /** Where the widget components live (default: <repo>/components). */
  componentsDir?: string;
}

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** `claim="a b" smap id=x` -> { claim: 'a b', smap: '', id: 'x' } */
export function parseMeta(meta: string): Map<string, string> {
  const out = new Map<string, string>();
  const re = /([A-Za-z][\w@+.-]*)(?:=(?:"([^"]*)"|'([^']*)'|(\S+)))?/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(meta)) !== null) out.set(m[1], m[2] ?? m[3] ?? m[4] ?? '');
  return out;
}

/** The machine options a block's meta names, for every option in the one list (options.ts):
 *  `smap`, `kvaShadow` (also `kva-shadow`, `kvashadow`); `nosmep` or `smep=off` turns one off. */
export function optionsFrom(meta: Map<string, string>): ScenarioOptions {
  const o: Record<string, boolean> = {};
  for (const { name } of MACHINE_OPTIONS as readonly { name: string }[]) {
    const kebab = name.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase());
    for (const s of new Set([name, kebab, name.toLowerCase()])) {
      if (meta.has(s)) o[name] = meta.get(s) !== 'off' && meta.get(s) !== 'false';
      if (meta.has('no' + s)) o[name] = false;
    }
  }
  return o as ScenarioOptions;
}

class BlockError extends Error {
  constructor(where: string, message: string) {
    super(`${where}: ${message}`);
    this.name = 'LiveBlockError';
  }
}

function readClaim(where: string, text: string): Claim {
  try {
    return parseClaim(text);
  } catch (e) {
    throw new BlockError(where, e instanceof Error ? e.message : String(e));
  }
}

function commandsOf(value: string): string[] {
  return value.split('\n').map((l) => stripPrompt(l).trimEnd()).filter((l) => l.trim() !== '');
}

/** `budget=N`: the instructions one `g` may run in this block (kd's default when absent). */
function budgetOf(where: string, meta: Map<string, string>): number | undefined {
  const budget = meta.has('budget') ? Number(meta.get('budget')) : undefined;
  if (budget !== undefined && (!Number.isInteger(budget) || budget < 1 || budget > 10_000_000)) throw new BlockError(where, `budget=${meta.get('budget')} should be a whole number of instructions up to 10000000.`);
  return budget;
}

function run(where: string, s: Scenario, boot: BootKernel): Trace {
  try {
    return runScenarioWith(s, boot, { routines: true });
  } catch (e) {
    throw new BlockError(where, e instanceof Error ? e.message : String(e));
  }
}

function check(where: string, trace: Trace, claim: Claim, block: string): void {
  const r = checkClaim(trace, claim);
  if (!r.ok) throw new BlockError(where, `the claim of this ${block} block is contradicted by the emulator.\n${r.message}`);
}

const U_LINE = /^([0-9a-f]{8}`[0-9a-f]{8}) ([0-9a-f]+)\s+(.*)$/;

/** Rows of a `u` listing (symbol line, then address / bytes / instruction lines). */
export function listingRows(output: string): { symbol: string; rows: LabRow[] } {
  const lines = output.split('\n');
  const named = /^(\S+):$/.exec(lines[0] ?? '')?.[1] ?? '';
  // A listing that starts inside a routine (`u nt!Foo+0xaf`): rows are offsets from the routine.
  const inside = /^(.+)\+0x([0-9a-f]+)$/i.exec(named);
  const symbol = inside ? inside[1] : named;
  const skip = inside ? parseInt(inside[2], 16) : 0;
  const rows: LabRow[] = [];
  let start: bigint | null = null;
  for (const line of lines) {
    const m = U_LINE.exec(line);
    if (!m) continue;
    const address = BigInt('0x' + m[1].replace('`', ''));
    if (start === null) start = address - BigInt(skip);
    const offset = Number(address - start);
    rows.push({
      address: address.toString(16).padStart(16, '0'),
      offset,
      label: offset === 0 ? symbol : `${symbol}+0x${offset.toString(16)}`,
      bytes: m[2],
      text: m[3].trim(),
      line,
    });
  }
  return { symbol, rows };
}

/** IA32_LSTAR (MSR C0000082h) as kd's `rdmsr` prints it, or null. */
function lstarOf(where: string, id: string, options: ScenarioOptions, boot: BootKernel): string | null {
  const t = run(where, { id: `${id}-lstar`, options, commands: ['rdmsr c0000082'] }, boot);
  return /= ([0-9a-f]{8})`([0-9a-f]{8})/.exec(t.transcript[0].output)?.slice(1, 3).join('') ?? null;
}

/** For a lab on the system-call entry with a KVA-shadow toggle: the rows of the entry IA32_LSTAR
 *  names once KVA shadow is on (read from the machine booted that way), which system calls run
 *  instead of the listed ones. Null when the lab lists something else. */
function shadowListing(where: string, id: string, opts: ScenarioOptions, rows: LabRow[], boot: BootKernel): LabData['shadow'] {
  if (lstarOf(where, id, opts, boot) !== rows[0]?.address) return undefined;
  const shadowOpts = { ...opts, kvaShadow: true };
  const entry = lstarOf(where, id, shadowOpts, boot);
  if (!entry) return undefined;
  const probe = run(where, { id: `${id}-shadow`, options: shadowOpts, commands: [`u ${entry.slice(0, 8)}\`${entry.slice(8)} L1`] }, boot);
  const symbol = listingRows(probe.transcript[0].output).symbol;
  if (!symbol) return undefined;
  const listingCommand = `u ${symbol} L8`;
  const listing = run(where, { id: `${id}-shadow-listing`, options: shadowOpts, commands: [listingCommand] }, boot);
  return { listingCommand, ...listingRows(listing.transcript[0].output) };
}

/** `+15h`, `+0x15`, `+15` (hex, as kd reads it) -> 0x15 */
function offsetOf(key: string): number | null {
  const m = /^\+(?:0x)?([0-9a-f]+)h?$/i.exec(key);
  return m ? parseInt(m[1], 16) : null;
}

function blockId(meta: Map<string, string>, file: VFileLike, n: number, kind: string): string {
  const given = meta.get('id');
  if (given) return given;
  const base = path.basename(file.path ?? file.history?.[0] ?? 'chapter').replace(/\.mdx?$/, '');
  return `${base}-${kind}-${n}`;
}

function jsxWidget(name: string, props: Record<string, string>): MdNode {
  return {
    type: 'mdxJsxFlowElement',
    name,
    attributes: [
      { type: 'mdxJsxAttribute', name: 'client:visible', value: null },
      ...Object.entries(props).map(([k, v]) => ({ type: 'mdxJsxAttribute', name: k, value: v })),
    ],
    children: [],
  };
}

function importNode(local: string, file: string): MdNode {
  const source = `import ${local} from ${JSON.stringify(file)};`;
  const estree = Parser.parse(source, { ecmaVersion: 'latest', sourceType: 'module' });
  return { type: 'mdxjsEsm', value: source, data: { estree } };
}

/** Local names in the chapter's module (prefixed so they never clash with an author's imports). */
const WIDGETS = { LiveEventChain: 'EventChainBlock.tsx', LiveKdSession: 'KdSession.tsx', LiveBreakpointLab: 'BreakpointLab.tsx', LiveStepper: 'Stepper.tsx', LiveRunBlock: 'RunBlock.tsx', LiveBreakpointMap: 'BreakpointMap.tsx' } as const;
type WidgetName = keyof typeof WIDGETS;

export function stepperViews(boot: BootKernel, options: ScenarioOptions, from: string, steps: number, passes = 1): { stepper: CpuStepper; views: StepView[] } {
  const stepper = CpuStepper.start(boot, options, from, passes);
  const views = [stepper.view()];
  for (let i = 0; i < steps; i++) {
    stepper.step();
    views.push(stepper.view());
  }
  return { stepper, views };
}

/** The model's assumed routines and what it does there, for the widgets' causal chains (passed in
 *  their data, so the browser loads no provenance code; a live run is marked the same way). */
export const ASSUMED_ROUTINES: Record<string, string> = Object.fromEntries(
  Object.entries(ROUTINE_STATUS).filter(([, [status]]) => status === 'assumption').map(([name, [, summary]]) => [name, summary]),
);

/** The badge's data: how many routines the demo's runs entered and which are assumptions
 *  (FidelityBadge's `routines` prop). */
export function badgeRoutines(ran: Iterable<string>): { ran: number; assumed: Array<[string, string]> } {
  const all = [...new Set(ran)].filter((r) => /^(nt|ntdll)!/.test(r));
  const assumed: Array<[string, string]> = [];
  for (const r of all) {
    const st = routineStatus(r);
    if (st?.[0] === 'assumption') assumed.push([r, st[1]]);
  }
  return { ran: all.length, assumed };
}

export default function remarkLiveBlocks(options: LiveBlocksOptions = {}) {
  const componentsDir = options.componentsDir ?? path.join(REPO, 'components');
  return async (tree: MdNode, file: VFileLike) => {
    let boot = options.boot;
    const getBoot = async (): Promise<BootKernel> => {
      if (!boot) boot = (await import('../../emulator/src/scenario/index.ts')).bootModeledWindows;
      return boot;
    };
    const used = new Set<WidgetName>();
    const labs = new Map<string, LabInfo>();
    // Routines the demos since the last <FidelityBadge /> entered (null: no demo since).
    let ran: string[] | null = null;
    // A `chain` block's causal chain, waiting for the block's <FidelityBadge /> to follow it.
    let chainAfterBadge: MdNode | null = null;
    const note = (traces: Trace[]) => { ran = [...(ran ?? []), ...traces.flatMap((t) => t.routines ?? [])]; };
    const chapter = path.relative(process.cwd(), file.path ?? file.history?.[0] ?? '(unknown file)');
    let n = 0;

    const transform = async (node: MdNode): Promise<MdNode | null> => {
      if (node.type === 'code' && (node.lang === 'asm' || node.lang === 'x86asm') && node.meta && /^run\b/.test(node.meta.trim())) {
        n++;
        const meta = parseMeta(node.meta.trim().slice(3));
        const fence = node.position?.start.line ?? 0;
        const where = `${chapter}:${fence || '?'} (\`\`\`${node.lang} run block ${n})`;
        const opts = optionsFrom(meta);
        const id = blockId(meta, file, n, 'asm');
        const claimText = meta.get('claim');
        const claim = claimText ? readClaim(where, claimText) : undefined;
        const breakpoints = (meta.get('bp') ?? '').split(',').map((b) => b.trim()).filter(Boolean);
        // `ba="r2 @rip+40h; w8 @rsp-8"`: processor breakpoints, set (in order) after the `bp`s.
        for (const b of (meta.get('ba') ?? '').split(';').map((x) => x.trim()).filter(Boolean)) breakpoints.push(`ba ${b}`);
        const budget = budgetOf(where, meta);
        const source = node.value ?? '';
        const result = runProgramWith({ id, options: opts, source, breakpoints, budget, claim }, await getBoot(), { routines: true });
        if (!result.ok) {
          const e = result.error;
          throw new BlockError(`${chapter}:${fence ? fence + e.line : '?'} (\`\`\`${node.lang} run block ${n}, line ${e.line} of the block)`, `the assembler refuses it: ${e.message}\n    ${e.text}\n    ${' '.repeat(Math.max(0, e.column - 1))}^`);
        }
        if (claim) check(where, result.trace, claim, `${node.lang} run`);
        note([result.trace]);
        const data: ProgramData = { id, options: opts, version: EMULATOR_VERSION, source, breakpoints, ...(budget ? { budget } : {}), trace: result.trace, code: result.code, end: result.end, ...(result.fault ? { fault: result.fault } : {}), ...(claim ? { claim: describeClaim(claim) } : {}), assumed: ASSUMED_ROUTINES };
        used.add('LiveRunBlock');
        return jsxWidget('LiveRunBlock', { program: JSON.stringify(data) });
      }
      if (node.type !== 'code' || node.lang !== 'windbg' || !node.meta) return null;
      const words = node.meta.trim().split(/\s+/);
      const kind = words[0];
      if (kind !== 'run' && kind !== 'lab' && kind !== 'stepper' && kind !== 'map') return null;
      n++;
      const meta = parseMeta(node.meta.slice(kind.length));
      const where = `${chapter}:${node.position?.start.line ?? '?'} (\`\`\`windbg ${kind} block ${n})`;
      const opts = optionsFrom(meta);
      const id = blockId(meta, file, n, kind);
      const b = await getBoot();

      if (kind === 'run') {
        const claimText = meta.get('claim');
        const claim = claimText ? readClaim(where, claimText) : undefined;
        const commands = commandsOf(node.value ?? '');
        if (commands.length === 0) throw new BlockError(where, 'the block has no commands to run.');
        const budget = budgetOf(where, meta);
        const trace = run(where, { id, options: opts, commands, claim, ...(budget ? { budget } : {}) }, b);
        if (claim) check(where, trace, claim, 'windbg run');
        note([trace]);
        if (meta.has('live')) {
          used.add('LiveKdSession');
          // `chain`: the run's causal chain, as static HTML after the block's fidelity badge.
          if (meta.has('chain')) {
            used.add('LiveEventChain');
            chainAfterBadge = {
              type: 'mdxJsxFlowElement', name: 'LiveEventChain', children: [],
              attributes: [
                { type: 'mdxJsxAttribute', name: 'events', value: JSON.stringify(trace.events) },
                { type: 'mdxJsxAttribute', name: 'assumed', value: JSON.stringify(ASSUMED_ROUTINES) },
                { type: 'mdxJsxAttribute', name: 'title', value: 'How the processor got to the end of this run' },
              ],
            };
          }
          return jsxWidget('LiveKdSession', { trace: JSON.stringify(trace) });
        }
        return { type: 'code', lang: 'windbg', meta: null, value: transcriptText(trace) };
      }

      if (kind === 'map') {
        const data = mapBlock({
          where, id, meta, options: opts, boot: b, cache: !options.boot, labs,
          fail: (message) => { throw new BlockError(where, message); },
        });
        // A map's cells are many runs made without routine recording (it would slow every cell):
        // its badge makes no statement about assumed routines rather than a partial one.
        ran = null;
        used.add('LiveBreakpointMap');
        return jsxWidget('LiveBreakpointMap', { map: JSON.stringify({ ...data, assumed: ASSUMED_ROUTINES }) });
      }

      if (kind === 'lab') {
        const commands = commandsOf(node.value ?? '');
        if (commands.length !== 1 || !/^u\b/.test(commands[0])) throw new BlockError(where, 'a lab block holds one `u` command (the listing whose rows take breakpoints).');
        const listing = run(where, { id: `${id}-listing`, options: opts, commands }, b);
        const { symbol, rows } = listingRows(listing.transcript[0].output);
        if (rows.length === 0) throw new BlockError(where, `\`${commands[0]}\` printed no instructions:\n${listing.transcript[0].output}`);
        const runs: LabData['runs'] = [];
        const budget = budgetOf(where, meta);
        for (const [key, text] of meta) {
          if (!key.startsWith('claim')) continue;
          const off = offsetOf(key.slice('claim'.length));
          if (off === null) throw new BlockError(where, `"${key}" should name a row offset, e.g. claim+15h="break at ${symbol}+0x15".`);
          const row = rows.find((r) => r.offset === off);
          if (!row) throw new BlockError(where, `"${key}": no instruction of the listing starts at +0x${off.toString(16)} (rows: ${rows.map((r) => '+0x' + r.offset.toString(16)).join(', ')}).`);
          const claim = readClaim(where, text);
          const trace = run(where, { id: `${id}-bp${off.toString(16)}`, options: opts, commands: [`bp ${row.label}`, 'g'], claim, ...(budget ? { budget } : {}) }, b);
          check(where, trace, claim, 'windbg lab');
          runs.push({ breakpoints: [row.label], claim: describeClaim(claim), trace });
        }
        note([listing, ...runs.map((r) => r.trace)]);
        const toggles = (meta.get('toggles') ?? '').split(',').map((t) => t.trim()).filter(Boolean);
        for (const t of toggles) if (!(MACHINE_OPTION_NAMES as readonly string[]).includes(t)) throw new BlockError(where, `toggles: "${t}" is not a machine option (${MACHINE_OPTION_NAMES.join(', ')}).`);
        const shadow = toggles.includes('kvaShadow') && !opts.kvaShadow ? shadowListing(where, id, opts, rows, b) : undefined;
        const data: LabData = {
          id, options: opts, version: EMULATOR_VERSION, listingCommand: commands[0], symbol, rows, runs, ...(budget ? { budget } : {}),
          ...(toggles.length ? { toggles: toggles as LabData['toggles'] } : {}),
          assumed: ASSUMED_ROUTINES,
          ...(shadow ? { shadow } : {}),
        };
        labs.set(id, { symbol, offsets: rows.map((r) => r.offset), toggles });
        used.add('LiveBreakpointLab');
        return jsxWidget('LiveBreakpointLab', { lab: JSON.stringify(data) });
      }

      // stepper
      const from = meta.get('from');
      if (!from) throw new BlockError(where, 'a stepper block needs from=<address> (a kd expression such as nt!KiSystemCall64).');
      const steps = Number(meta.get('steps') ?? '4');
      if (!Number.isInteger(steps) || steps < 0 || steps > 64) throw new BlockError(where, `steps=${meta.get('steps')} should be a whole number from 0 to 64.`);
      const passes = Number(meta.get('passes') ?? '1');
      if (!Number.isInteger(passes) || passes < 1 || passes > 1000) throw new BlockError(where, `passes=${meta.get('passes')} should be a whole number from 1 to 1000.`);
      const claims: StepperData['claims'] = [];
      let views: StepView[];
      let stepper: CpuStepper;
      try {
        ({ stepper, views } = stepperViews(b, opts, from, 0, passes));
      } catch (e) {
        throw new BlockError(where, e instanceof Error ? e.message : String(e));
      }
      const wanted = [...meta.keys()].filter((k) => k.startsWith('claim@'));
      const byStep = new Map<number, Claim>();
      for (const k of wanted) {
        const at = Number(k.slice('claim@'.length));
        if (!Number.isInteger(at) || at < 0 || at > steps) throw new BlockError(where, `"${k}" should name a step from 0 to ${steps}.`);
        byStep.set(at, readClaim(where, meta.get(k)!));
      }
      for (let i = 0; i <= steps; i++) {
        if (i > 0) {
          stepper.step();
          views.push(stepper.view());
        }
        const claim = byStep.get(i);
        if (!claim) continue;
        const v = views[i];
        const trace: Trace = {
          id: `${id}@${i}`, options: opts, version: EMULATOR_VERSION,
          transcript: views.slice(1, i + 1).map((w, k) => ({ prompt: `step ${k + 1}: `, command: views[k].line, output: `-> ${w.at}`, state: w.state })),
          outcome: { kind: 'step', at: v.at, address: v.state.regs.rip },
          events: [],
          evaluations: stepper.evaluate(claimExpressions(claim)),
        };
        check(where, trace, claim, 'windbg stepper');
        claims.push({ step: i, claim: describeClaim(claim) });
      }
      // The instructions stepped are the demo: the routines they are in.
      ran = [...(ran ?? []), ...views.map((v) => v.at.replace(/\+0x[0-9a-f]+$/i, ''))];
      const data: StepperData = { id, options: opts, version: EMULATOR_VERSION, from, ...(passes > 1 ? { passes } : {}), views, claims };
      used.add('LiveStepper');
      return jsxWidget('LiveStepper', { stepper: JSON.stringify(data) });
    };

    const walk = async (parent: MdNode) => {
      const children = parent.children ?? [];
      for (let i = 0; i < children.length; i++) {
        const child = children[i];
        if ((child.type === 'mdxJsxFlowElement' || child.type === 'mdxJsxTextElement') && child.name === 'FidelityBadge') {
          if (ran !== null) {
            child.attributes = [...(child.attributes ?? []), { type: 'mdxJsxAttribute', name: 'routines', value: JSON.stringify(badgeRoutines(ran)) }];
            ran = null;
          }
          if (chainAfterBadge) {
            children.splice(i + 1, 0, chainAfterBadge);
            chainAfterBadge = null;
            i++;
          }
          continue;
        }
        const replaced = await transform(child);
        if (replaced) children[i] = replaced;
        else if (children[i].children) await walk(children[i]);
      }
    };
    await walk(tree);
    if (used.size && tree.children) {
      tree.children.unshift(...[...used].map((w) => importNode(w, path.join(componentsDir, WIDGETS[w]))));
    }
  };
}
