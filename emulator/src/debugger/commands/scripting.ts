// Scripting and evaluation: ? (MASM expressions).

import * as fmt from '../format.ts';
import { oneValue } from './args.ts';
import { family } from './command.ts';
import { helpText } from './registry.ts';

export const SCRIPTING_COMMANDS = family('scripting', [
  { name: '?', syntax: '? Expression', help: 'evaluate a MASM expression (? alone: this list)', handler: (s, a, c) => (a.trim() === '' ? helpText() : fmt.evaluateLine(oneValue(s, a, c))) },
]);
