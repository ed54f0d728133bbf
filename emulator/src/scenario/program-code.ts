// Running machine code the reader's program assembled to, without the assembler: the part of
// program.ts a page needs when it already has the bytes (a code block whose source the reader has
// not edited carries the bytes the build assembled). The modeled machine boots stopped at the user
// program's first instruction; the bytes are written over the program, and kd runs them (`bp`
// lines first if asked, then `g`, then `r`).

import { KdSession, type ExecAsyncOptions } from '../debugger/session.ts';
import { traceSessionAsync } from './run-async.ts';
import type { Claim } from './claims.ts';
import { symbolizeEvents, traceSession, type BootKernel, type Scenario, type TraceOptions } from './run.ts';
import { compactEvents, hex64, type CompactEvent, type ScenarioOptions, type Trace } from './trace.ts';

export interface Program {
  id: string;
  options?: ScenarioOptions;
  /** WinDbg-syntax assembly (labels, `;` comments, `db`). */
  source: string;
  /** Breakpoints to set before `g`: kd expressions for `bp`, or whole `ba ...` commands
   *  (processor breakpoints, e.g. `ba r2 @rip+20h`). */
  breakpoints?: string[];
  /** Instructions `g` may run (default 100 000: a program that loops stops quickly). */
  budget?: number;
  claim?: Claim;
}

export interface AsmProblem {
  line: number;
  column: number;
  message: string;
  /** The source line the problem is on. */
  text: string;
}

/** A fault the processor raised on one of the reader's instructions. */
export interface ProgramFault {
  /** `#UD`, `#GP`, `#DE`, `#PF`... */
  name: string;
  vector: number;
  /** Address of the faulting instruction (16 hex digits) and kd's disassembly of it. */
  rip: string;
  instruction: string;
  detail: string;
  /** What the processor did from the fault on, up to the next system call (the causal chain). */
  chain: CompactEvent[];
}

export type ProgramResult =
  | {
    ok: true; trace: Trace; entry: string; size: number; /** the code, as hex */ code: string;
    /** Where the reader's code ends (16 hex digits): the first of the `int 3` bytes after it. */
    end: string;
    fault?: ProgramFault;
  }
  | { ok: false; error: AsmProblem };

/** Turns the program into bytes at `entry` (symbols resolved by kd's table), or says why not. */
export type ProgramCode = (entry: bigint, resolve: (name: string) => bigint | undefined) => Uint8Array | AsmProblem;

export const PROGRAM_BUDGET = 100_000;
export const MAX_SOURCE = 4000;
const PAGE = 0x1000n;

export function programProblem(source: string, line: number, column: number, message: string): AsmProblem {
  return { line, column, message, text: source.split('\n')[line - 1] ?? '' };
}

export function codeHex(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += b.toString(16).padStart(2, '0');
  return s;
}

/** `code` from a hex string (what the build stores); malformed hex is a problem, not a crash. */
export function codeFromHex(source: string, hex: string): ProgramCode {
  return () => {
    if (!/^(?:[0-9a-f]{2})*$/.test(hex)) return programProblem(source, 1, 1, 'the stored code of this block is damaged; rebuild the page');
    const out = new Uint8Array(hex.length / 2);
    for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
    return out;
  };
}

interface Prepared { session: KdSession; entry: bigint; bytes: Uint8Array; scenario: Scenario }

/** Boots, writes the reader's bytes (and the `int 3` fill) over the program: the run to make. */
function prepare(p: Program, boot: BootKernel, code: ProgramCode): Prepared | { error: AsmProblem } {
  if (p.source.length > MAX_SOURCE) return { error: programProblem(p.source, 1, 1, `the program is longer than ${MAX_SOURCE} characters`) };
  const kernel = boot(p.options ?? {});
  const session = new KdSession({ kernel, budget: p.budget ?? PROGRAM_BUDGET });
  const entry = kernel.machine.getReg('rip');
  const bytes = code(entry, (name) => kernel.symbols.resolve(name));
  if (!(bytes instanceof Uint8Array)) return { error: bytes };
  // The program's code page is what the reader's code may fill (the rest of the image is data).
  const room = Number(PAGE - (entry & (PAGE - 1n)));
  if (bytes.length > room) return { error: programProblem(p.source, 1, 1, `the program assembles to ${bytes.length} bytes; ${room} fit in the program's code page`) };
  // Only the reader's code runs: the rest of the code page becomes `int 3` bytes (SDM Vol. 2A,
  // "INT n/INTO/INT3/INT1"), so code that runs past its last instruction, or jumps beyond it
  // within the page, stops in kd ("Break instruction exception") instead of running the bytes
  // the page held before.
  const fill = new Uint8Array(room).fill(0xcc);
  fill.set(bytes);
  if (!kernel.machine.writeVirtual(entry, fill)) return { error: programProblem(p.source, 1, 1, 'the program page is not writable from the debugger') };
  const commands = [...(p.breakpoints ?? []).map(breakpointCommand), 'g', 'r'];
  return { session, entry, bytes, scenario: { id: p.id, options: p.options, commands, claim: p.claim } };
}

/** `bp <expr>`, or a `ba` command as written. */
export function breakpointCommand(b: string): string {
  return /^ba\s/.test(b) ? b : `bp ${b}`;
}

function result(r: Prepared, trace: Trace): ProgramResult {
  const end = r.entry + BigInt(r.bytes.length);
  const fault = faultIn(r.session, r.entry, end);
  return { ok: true, trace, entry: hex64(r.entry), size: r.bytes.length, code: codeHex(r.bytes), end: hex64(end), ...(fault ? { fault } : {}) };
}

export function runProgramCodeWith(p: Program, boot: BootKernel, code: ProgramCode, opts: TraceOptions = {}): ProgramResult {
  const r = prepare(p, boot, code);
  if ('error' in r) return { ok: false, error: r.error };
  return result(r, traceSession(r.scenario, r.session, opts));
}

/** The same run for a page's main thread: kd's `g` pauses between slices (see run-async.ts). */
export async function runProgramCodeAsync(p: Program, boot: BootKernel, code: ProgramCode, options: ExecAsyncOptions): Promise<ProgramResult> {
  const r = prepare(p, boot, code);
  if ('error' in r) return { ok: false, error: r.error };
  return result(r, await traceSessionAsync(r.scenario, r.session, options));
}

/** The first exception the processor raised on one of the reader's instructions, with what it did
 *  next (delivery to the kernel's handler and on) up to the following `syscall`. */
function faultIn(session: KdSession, start: bigint, end: bigint): ProgramFault | undefined {
  const events = (session.machine.events?.events ?? []) as unknown as Array<Record<string, unknown>>;
  // #BP and #DB are the debugger's events (an int 3, a breakpoint or a step), not faults of the code.
  const i = events.findIndex((e) => e.kind === 'exception-raised' && typeof e.rip === 'bigint' && e.rip >= start && e.rip < end && e.vector !== 3 && e.vector !== 1);
  if (i < 0) return undefined;
  const e = events[i];
  let j = events.findIndex((x, k) => k > i && x.kind === 'syscall');
  if (j < 0) j = events.length;
  const rip = e.rip as bigint;
  return {
    name: String(e.name), vector: Number(e.vector), rip: hex64(rip),
    instruction: session.disassemble(rip).line, detail: String(e.detail ?? ''),
    chain: symbolizeEvents(compactEvents(events.slice(i, Math.min(j, i + 24))), session),
  };
}
