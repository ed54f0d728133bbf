// Scripting and evaluation: ? (MASM expressions).

import * as fmt from '../format.ts';
import { oneValue } from './args.ts';
import { family } from './command.ts';
import { helpText } from './registry.ts';
import { chooseBranch } from '../conditional.ts';

export const SCRIPTING_COMMANDS = family('scripting', [
  { name: '?', syntax: '? Expression', help: 'evaluate a MASM expression (? alone: this list)', handler: (s, a, c) => { if (a.trim() === '') return helpText(); s.lastExpression = oneValue(s, a, c); return fmt.evaluateLine(s.lastExpression); } },
  { name: 'j', syntax: "j Expression ['Command1'] ; ['Command2']", help: 'execute if - else: Command1 when the expression is nonzero, else Command2 (in a bp command string: a conditional breakpoint)', handler: (s, a) => s.runCommands(chooseBranch(s, a)) },
]);
