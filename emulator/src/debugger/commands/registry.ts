// The commands kd knows now. Families register themselves here: the small core (breakpoints and
// execution, what the breakpoint lab and stepper run) at once, the rest when index.ts is loaded.

import type { KdSession } from '../session.ts';
import type { Command } from './command.ts';

const table: Command[] = [];
let cpp: ((s: KdSession, text: string) => bigint) | undefined;

/** The C++ evaluator behind `@@c++()`, registered with the types family. */
export function registerCppEvaluator(f: (s: KdSession, text: string) => bigint): void {
  cpp = f;
}

export function cppEvaluator(): ((s: KdSession, text: string) => bigint) | undefined {
  return cpp;
}
let unmodeled: ((text: string) => string | undefined) | undefined;

/** The note for a command WinDbg has and this kd lacks (unmodeled.ts), registered with the full
 *  command set: only a kd console, which loads that set first, can type such a command. */
export function registerUnmodeledNote(f: (text: string) => string | undefined): void {
  unmodeled = f;
}

export function unmodeledNoteFor(text: string): string | undefined {
  return unmodeled?.(text);
}

const byName = new Map<string, Command>();

/** Adds a family's commands (a name registered twice keeps its first definition). */
export function registerCommands(commands: Command[]): void {
  for (const c of commands) {
    if (byName.has(c.name)) continue;
    table.push(c);
    byName.set(c.name, c);
  }
}

export function registeredCommands(): readonly Command[] {
  return table;
}

/** Finds the command a line starts with: the longest table name followed by a non-name
 *  character; `bp0`/`bu1` carry an explicit breakpoint id. */
export function findCommand(text: string): { command: Command; name: string; args: string; argsOffset: number } | undefined {
  const idForm = /^(b[pua])(\d+)(?![0-9A-Za-z_!])/i.exec(text);
  if (idForm) {
    const command = byName.get(idForm[1].toLowerCase());
    if (!command) return undefined;
    return { command, name: idForm[0].toLowerCase(), args: text.slice(idForm[0].length), argsOffset: idForm[0].length };
  }
  const m = /^(\?\?|\?|[.!]?[A-Za-z_]+)(-?)/.exec(text);
  if (!m) return undefined;
  // `t-`, `p-`, `g-`: the reverse commands are names of their own.
  const reverse = m[2] ? byName.get(`${m[1].toLowerCase()}-`) : undefined;
  const name = reverse ? `${m[1].toLowerCase()}-` : m[1].toLowerCase();
  const command = reverse ?? byName.get(name) ?? table.find((c) => c.matches?.test(m[1]));
  if (!command) return undefined;
  return { command, name: command.matches ? m[1] : name, args: text.slice(name.length), argsOffset: name.length };
}

/** `.help Command`: one command's syntax, family and help; WinDbg's answer plus a note for a
 *  command this kd lacks. */
export function helpFor(name: string): string | undefined {
  const c = byName.get(name.toLowerCase()) ?? table.find((x) => x.matches?.test(name));
  if (!c) return undefined;
  return [`${c.syntax}`, `  ${c.help}`, `  (family: ${c.family})`].join('\n');
}

/** `.help` and a bare `?`: every registered command with its syntax and help. */
export function helpText(): string {
  const width = Math.max(...table.map((c) => c.syntax.length)) + 2;
  return [
    'kd commands (expressions use the MASM evaluator: hex by default, 0x 0n 0t 0y, @reg, nt!Sym+0x15, poi()):',
    ...table.map((c) => `${c.syntax.padEnd(width)}${c.help}`),
  ].join('\n');
}
