// What a kd command is: name, family, syntax, one-line help, handler. Syntax and output follow
// Microsoft's debugger command reference for an x64 kernel target; format.ts holds the layouts.
// Handlers return the command's output (no trailing newline) or throw a CaretError / PlainError /
// ExprError, which the session prints in WinDbg's wording.

import type { KdSession, RunSteps } from '../session.ts';

/** The command families, one file each in this folder (see index.ts for the whole table). */
export type Family =
  | 'breakpoints' | 'execution' | 'time-travel' | 'memory' | 'disassembly' | 'stacks'
  | 'registers' | 'system' | 'types' | 'scripting' | 'session' | 'events';

export interface CommandContext {
  /** The whole command as typed (trimmed), e.g. `u nt!KiSystemCall64 L4`. */
  text: string;
  /** Index in `text` where the arguments start. */
  argsOffset: number;
  name: string;
  /** Column of the command's first character in the echoed line (prompt included). */
  column: number;
}

export interface Command {
  name: string;
  family: Family;
  /** Other spellings of the name (e.g. `kvn`, `kL` for `k`), matched case-sensitively. */
  matches?: RegExp;
  syntax: string;
  help: string;
  /** kd's output, or for commands that run the target (`g`, `gu`, `p`) a run that yields
   *  between slices (see `RunSteps`). */
  handler: (s: KdSession, args: string, ctx: CommandContext) => string | RunSteps;
}

/** A family's commands, each stamped with the family's name. */
export function family(name: Family, commands: Array<Omit<Command, 'family'>>): Command[] {
  return commands.map((c) => ({ ...c, family: name }));
}
