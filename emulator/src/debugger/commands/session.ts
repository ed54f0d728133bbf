// Session control: .help, .reboot, q.

import { PlainError } from '../errors.ts';
import { family } from './command.ts';
import { helpFor, helpText } from './registry.ts';
import { unmodeledNote } from './unmodeled.ts';

function help(args: string): string {
  const name = args.trim();
  if (name === '') return helpText();
  const found = helpFor(name);
  if (found) return found;
  const note = unmodeledNote(name);
  throw new PlainError(note ?? `No help for '${name}': it is not a command of this kd or of WinDbg (.help lists the commands).`);
}

export const SESSION_COMMANDS = family('session', [
  { name: '.reboot', syntax: '.reboot', help: 'restart the target (breakpoints are kept)', handler: (s) => s.reboot() },
  { name: '.help', syntax: '.help [Command]', help: 'this list, or one command explained', handler: (_s, a) => help(a) },
  { name: 'q', syntax: 'q', help: 'quit', handler: (s) => { s.ended = true; return 'quit:'; } },
]);
