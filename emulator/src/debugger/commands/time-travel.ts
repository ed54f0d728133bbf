// Time travel: running backwards on the CPU's undo journal (t-, p-, g-, !tt), in kernel mode.
// The walk itself is in ../time-travel.ts. Syntax and output follow Microsoft's "Time Travel
// Debugging - Navigation commands" and "!tt (time travel)" pages.

import { CaretError } from '../errors.ts';
import { goBack, stepBack, traceBack, travel } from '../time-travel.ts';
import { family } from './command.ts';

function noArguments(args: string, text: string): void {
  if (args.trim() !== '') throw new CaretError('Syntax error', text.length - args.trimStart().length);
}

export const TIME_TRAVEL_COMMANDS = family('time-travel', [
  { name: 't-', syntax: 't-', help: 'trace back: undo the previous instruction of the target (exact: the machine as it was)', handler: (s, a, c) => { noArguments(a, c.text); return traceBack(s, s.marks); } },
  { name: 'p-', syntax: 'p-', help: 'step back: like t-, but a call or system call counts as one step', handler: (s, a, c) => { noArguments(a, c.text); return stepBack(s, s.marks); } },
  { name: 'g-', syntax: 'g-', help: 'go back: run backwards to a breakpoint (bp, ba e: before the instruction; ba w/r: after the write) or the history window\'s start', handler: (s, a, c) => { noArguments(a, c.text); return goBack(s, s.marks); } },
  { name: '!tt', syntax: '!tt [0-100 | Position]', help: 'time travel: the current position and window; a percentage of the window; or a position X:0', handler: (s, a) => travel(s, s.marks, a, s.furthest) },
]);
