// Running a reader's assembly: the code is assembled with the CPU's own assembler at the user
// program's entry (ntdll has loaded, CPL 3, user stack) and run by program-code.ts under kd. The
// outcome is whatever kd reports: an `int3`, a breakpoint, a bug check, or the instruction budget
// for code that never stops. The result carries the bytes (`code`, hex), so a page can run an
// unedited block again without the assembler.

import { assemble, AsmError } from '../cpu/assembler.ts';
import type { BootKernel, TraceOptions } from './run.ts';
import { programProblem, runProgramCodeWith, type Program, type ProgramCode, type ProgramResult } from './program-code.ts';

export type { Program, AsmProblem, ProgramResult } from './program-code.ts';
export { PROGRAM_BUDGET } from './program-code.ts';

/** The reader's source as a `ProgramCode`: assembled at the entry, or the assembler's problem. */
export function assembledCode(source: string): ProgramCode {
  return (entry, resolve) => {
    try {
      return assemble(source, { origin: entry, symbols: resolve }).bytes;
    } catch (e) {
      if (e instanceof AsmError) return programProblem(source, e.line, e.column, e.message.replace(/^line \d+, column \d+: /, ''));
      return programProblem(source, 1, 1, e instanceof Error ? e.message : String(e));
    }
  };
}

export function runProgramWith(p: Program, boot: BootKernel, opts: TraceOptions = {}): ProgramResult {
  return runProgramCodeWith(p, boot, assembledCode(p.source), opts);
}
