// `j Expression Command1 ; Command2` (learn.microsoft.com "j (Execute If - Else)"): the branch
// to run, for the `j` command and for breakpoint command strings, where it makes a conditional
// breakpoint (`bp Address "j (Condition) ''; 'gc'"`). Single quotes may wrap each branch, so that
// it can hold semicolons of its own.

import { PlainError } from './errors.ts';
import type { KdSession } from './session.ts';

/** Splits `Command1 ; Command2` at the first semicolon outside single quotes. */
function branches(text: string): [string, string] {
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === "'") quoted = !quoted;
    else if (text[i] === ';' && !quoted) return [text.slice(0, i), text.slice(i + 1)];
  }
  return [text, ''];
}

function unquote(s: string): string {
  const t = s.trim();
  return t.length >= 2 && t.startsWith("'") && t.endsWith("'") ? t.slice(1, -1) : t;
}

/** The commands `j` chooses: Command1 when the expression is nonzero, else Command2. */
export function chooseBranch(s: KdSession, args: string): string {
  const text = args.trim();
  // The expression: a parenthesized group, or everything before the first quote or semicolon.
  let end = 0;
  if (text.startsWith('(')) {
    for (let depth = 0; end < text.length; end++) {
      if (text[end] === '(') depth++;
      else if (text[end] === ')' && --depth === 0) { end++; break; }
    }
  } else {
    end = text.search(/['; ]/);
    if (end < 0) end = text.length;
  }
  const r = s.evalPrefix(text.slice(0, end));
  if (r.rest.trim() !== '') throw new PlainError(`Syntax error in the j expression '${text.slice(0, end)}'`);
  const [a, b] = branches(text.slice(end));
  return unquote(r.value !== 0n ? a : b);
}

/** Whether a command is `j ...`. */
export function isJ(text: string): boolean {
  return /^j\s/i.test(text.trimStart());
}
