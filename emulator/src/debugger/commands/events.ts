// Exceptions and events: sx lists what kd does with each exception the model reports, sxe / sxd /
// sxn / sxi change it (event-filters.ts), gn continues with the reported exception not handled.
// Listing layout from Microsoft's "sx, sxd, sxe, sxi, sxn, sxr, sx- (Set Exceptions)" page:
// ` bpe - Break instruction exception - break` / `bpec - Break instruction exception continue -
// handled`, the code right-aligned in four columns.

import { CaretError } from '../errors.ts';
import type { FilterState } from '../event-filters.ts';
import type { KdSession } from '../session.ts';
import { family, type CommandContext } from './command.ts';

function listing(s: KdSession): string {
  const lines: string[] = [];
  for (const f of s.filters.list) {
    lines.push(`${f.code.padStart(4)} - ${f.name} - ${f.state}`);
    lines.push(`${`${f.code}c`.padStart(4)} - ${f.name} continue - handled`);
  }
  lines.push('', '(model: the model\'s KdTrap reports only these two exceptions; kd\'s own breakpoints and steps always break)');
  return lines.join('\n');
}

function setFilter(state: FilterState) {
  return (s: KdSession, args: string, ctx: CommandContext): string => {
    const words = args.trim().split(/\s+/).filter(Boolean);
    if (words.length === 0) throw new CaretError('Syntax error', ctx.text.length - 1);
    if (words.some((w) => w.startsWith('-'))) return 'The -c, -c2 and -h options of sx are not modeled.';
    for (const w of words) {
      const targets = w === '*' ? s.filters.list : [s.filters.byCode(w)];
      if (!targets[0]) {
        return `${w}: not an exception the model reports; sx lists the ones it does (bpe, sse).`;
      }
      for (const f of targets) f!.state = state;
    }
    return '';
  };
}

export const EVENT_COMMANDS = family('events', [
  { name: 'sx', syntax: 'sx', help: 'list what kd does with the exceptions the model reports (bpe, sse)', handler: (s) => listing(s) },
  { name: 'sxe', syntax: 'sxe bpe|sse|*', help: 'break on the exception (first chance)', handler: setFilter('break') },
  { name: 'sxd', syntax: 'sxd bpe|sse|*', help: 'first chance: print it and continue; break only on a second chance (the model has none)', handler: setFilter('second-chance break') },
  { name: 'sxn', syntax: 'sxn bpe|sse|*', help: 'print the exception and continue', handler: setFilter('output') },
  { name: 'sxi', syntax: 'sxi bpe|sse|*', help: 'continue without a word', handler: setFilter('ignore') },
  { name: 'sxr', syntax: 'sxr', help: 'reset every exception to its default (break)', handler: (s) => { s.filters.reset(); return ''; } },
  { name: 'gn', syntax: 'gn', help: 'go, the reported exception not handled (KdTrap returns FALSE)', handler: (s) => s.goSteps({ notHandled: true }) },
]);
