// Running a reader's assembly: the modeled machine boots stopped at the user program's first
// instruction (ntdll has loaded, CPL 3, user stack); the reader's code is assembled at that address
// with the CPU's own assembler, written over the program, and kd runs it (`bp` lines first if
// asked, then `g`, then `r`). The outcome is whatever kd reports: an `int3`, a breakpoint, a bug
// check, or the instruction budget for code that never stops.

import { assemble, AsmError } from '../cpu/assembler.ts';
import { KdSession } from '../debugger/session.ts';
import type { Claim } from './claims.ts';
import { traceSession, type BootKernel } from './run.ts';
import type { ScenarioOptions, Trace } from './trace.ts';

export interface Program {
  id: string;
  options?: ScenarioOptions;
  /** WinDbg-syntax assembly (labels, `;` comments, `db`). */
  source: string;
  /** Breakpoints to set before `g` (kd expressions). */
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

export type ProgramResult =
  | { ok: true; trace: Trace; entry: string; size: number }
  | { ok: false; error: AsmProblem };

export const PROGRAM_BUDGET = 100_000;
const MAX_SOURCE = 4000;
const PAGE = 0x1000n;

function problem(source: string, line: number, column: number, message: string): ProgramResult {
  return { ok: false, error: { line, column, message, text: source.split('\n')[line - 1] ?? '' } };
}

export function runProgramWith(p: Program, boot: BootKernel): ProgramResult {
  if (p.source.length > MAX_SOURCE) return problem(p.source, 1, 1, `the program is longer than ${MAX_SOURCE} characters`);
  const kernel = boot(p.options ?? {});
  const session = new KdSession({ kernel, budget: p.budget ?? PROGRAM_BUDGET });
  const entry = kernel.machine.getReg('rip');
  let bytes: Uint8Array;
  try {
    bytes = assemble(p.source, { origin: entry, symbols: (name) => kernel.symbols.resolve(name) }).bytes;
  } catch (e) {
    if (e instanceof AsmError) return problem(p.source, e.line, e.column, e.message.replace(/^line \d+, column \d+: /, ''));
    return problem(p.source, 1, 1, e instanceof Error ? e.message : String(e));
  }
  // The program's code page is what the reader's code may fill (the rest of the image is data).
  const room = Number(PAGE - (entry & (PAGE - 1n)));
  if (bytes.length > room) return problem(p.source, 1, 1, `the program assembles to ${bytes.length} bytes; ${room} fit in the program's code page`);
  if (!kernel.machine.writeVirtual(entry, bytes)) return problem(p.source, 1, 1, 'the program page is not writable from the debugger');
  const commands = [...(p.breakpoints ?? []).map((b) => `bp ${b}`), 'g', 'r'];
  const trace = traceSession({ id: p.id, options: p.options, commands, claim: p.claim }, session);
  return { ok: true, trace, entry: entry.toString(16).padStart(16, '0'), size: bytes.length };
}

