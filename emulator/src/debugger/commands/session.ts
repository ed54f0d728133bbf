// Session control: .help, .reboot, q.

import { family } from './command.ts';
import { helpText } from './registry.ts';

export const SESSION_COMMANDS = family('session', [
  { name: '.reboot', syntax: '.reboot', help: 'restart the target (breakpoints are kept)', handler: (s) => s.reboot() },
  { name: '.help', syntax: '.help', help: 'this list', handler: () => helpText() },
  { name: 'q', syntax: 'q', help: 'quit', handler: (s) => { s.ended = true; return 'quit:'; } },
]);
