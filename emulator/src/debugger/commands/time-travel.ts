// Time travel: running backwards on the CPU's undo journal (t-, p-, g-, !tt). Empty until the
// reverse-execution commands land; the family exists so that they have their place in the table.

import { family } from './command.ts';

export const TIME_TRAVEL_COMMANDS = family('time-travel', []);
