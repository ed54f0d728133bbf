// Scripting and evaluation: ? (MASM), j (execute if - else), .formats, .echo, .printf, the command programs (.if .elsif
// .else .for .while .block .break .continue, control-flow.ts) and .cls.

import { LoopSignal } from '../errors.ts';
import * as fmt from '../format.ts';
import { formatsReport } from '../format/scripting.ts';
import { oneValue } from './args.ts';
import { family } from './command.ts';
import { blockCommand, forCommand, ifCommand, whileCommand } from './control-flow.ts';
import { printf } from './printf.ts';
import { helpText } from './registry.ts';
import { chooseBranch } from '../conditional.ts';

/** `.echo String` / `.echo "String"`: the text as given (quotes removed). */
function echo(args: string): string {
  const t = args.trim();
  const q = /^"(.*)"$/.exec(t);
  return q ? q[1] : t;
}

export const SCRIPTING_COMMANDS = family('scripting', [
  { name: '?', syntax: '? Expression', help: 'evaluate a MASM expression (? alone: this list)', handler: (s, a, c) => { if (a.trim() === '') return helpText(); s.lastExpression = oneValue(s, a, c); return fmt.evaluateLine(s.lastExpression); } },
  { name: 'j', syntax: "j Expression ['Command1'] ; ['Command2']", help: 'execute if - else: Command1 when the expression is nonzero, else Command2 (in a bp command string: a conditional breakpoint)', handler: (s, a) => s.runCommands(chooseBranch(s, a)) },
  { name: '.formats', syntax: '.formats Expression', help: 'the value in hex, decimal, octal, binary, chars, time, float and double', handler: (s, a, c) => formatsReport(oneValue(s, a, c)) },
  { name: '.echo', syntax: '.echo [String]', help: 'print the text', handler: (_s, a) => echo(a) },
  { name: '.printf', syntax: '.printf "Format" [, Arg ...]', help: 'C printf with %p %x %d %u %s %c and the debugger\'s %y %ma %mu %msa %msu', handler: printf },
  { name: '.if', syntax: '.if (Cond) { Cmds } [.elsif (Cond) { Cmds }] [.else { Cmds }]', help: 'run commands when a MASM condition is non-zero', handler: ifCommand },
  { name: '.for', syntax: '.for (Init; Cond; Step) { Cmds }', help: 'loop (at most 4096 rounds in this kd)', handler: forCommand },
  { name: '.while', syntax: '.while (Cond) { Cmds }', help: 'loop while a condition holds (at most 4096 rounds)', handler: whileCommand },
  { name: '.block', syntax: '.block { Cmds }', help: 'a group of commands', handler: blockCommand },
  { name: '.break', syntax: '.break', help: 'leave the innermost .for / .while', handler: () => { throw new LoopSignal('break'); } },
  { name: '.continue', syntax: '.continue', help: 'next round of the innermost .for / .while', handler: () => { throw new LoopSignal('continue'); } },
  { name: '.cls', syntax: '.cls', help: 'clear the console', handler: (s) => { s.clearRequested = true; return ''; } },
]);
