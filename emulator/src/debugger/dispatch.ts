// Running one command of a line: find it in the command table, call its handler, and turn what it
// throws into kd's wording (a caret under the column, WinDbg's message, or one line for a defect
// in the debugger itself, never a stack trace). A command kd does not have gets WinDbg's answer
// plus, for a command WinDbg has, one line saying this kd lacks it (unmodeled.ts).

import { findCommand, unmodeledNoteFor } from './commands/registry.ts';
import { CaretError, LoopSignal, PlainError } from './errors.ts';
import { ExprError } from './expr.ts';
import * as fmt from './format/core.ts';
import type { KdSession, RunSteps } from './session.ts';

export function* runOneCommand(s: KdSession, text: string, column: number): RunSteps {
  const trimmed = text.replace(/^\s+/, '');
  const lead = text.length - trimmed.length;
  const cmdText = trimmed.trimEnd();
  if (cmdText === '' || cmdText.startsWith('*') || cmdText.startsWith('$$')) return '';
  s.currentCommand = cmdText;
  try {
    const found = findCommand(cmdText);
    if (!found) {
      // WinDbg's own answer, then (for a command WinDbg has) one line saying this kd lacks it.
      const note = unmodeledNoteFor(cmdText);
      let answer: string;
      if (cmdText.startsWith('!')) answer = `No export ${cmdText.slice(1).split(/\s/)[0]} found`;
      else {
        // Unknown dot-commands put the caret under their last character, others under the first.
        const at = cmdText.startsWith('.') ? cmdText.split(/\s/)[0].length - 1 : 0;
        answer = fmt.caretError(column + lead + at, 'Syntax error', cmdText);
      }
      return note ? `${answer}\n${note}` : answer;
    }
    const result = found.command.handler(s, found.args, { text: cmdText, argsOffset: found.argsOffset, name: found.name, column: column + lead });
    return typeof result === 'string' ? result : yield* result;
  } catch (e) {
    if (e instanceof LoopSignal && s.loopDepth > 0) throw e;
    if (e instanceof LoopSignal) return `${e.message} is ignored.`;
    if (e instanceof CaretError) return fmt.caretError(column + lead + e.column, e.kind, cmdText);
    if (e instanceof ExprError || e instanceof PlainError) return e.message;
    // A defect in the debugger itself: say so in one line rather than a stack trace.
    return `Internal debugger error: ${e instanceof Error ? e.message : String(e)}`;
  }
}
