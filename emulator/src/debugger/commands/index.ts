// kd's whole command table, by family (one file each). Loading this module registers every
// family; the session itself needs only the core (see core.ts).

import { BREAKPOINT_COMMANDS } from './breakpoints.ts';
import type { Command } from './command.ts';
import { DISASSEMBLY_COMMANDS } from './disassembly.ts';
import { EVENT_COMMANDS } from './events.ts';
import { EXECUTION_COMMANDS } from './execution.ts';
import { MEMORY_COMMANDS } from './memory.ts';
import { PAGING_COMMANDS } from './paging.ts';
import { REGISTER_COMMANDS } from './registers.ts';
import { registerCommands, registerUnmodeledNote } from './registry.ts';
import { SCRIPTING_COMMANDS } from './scripting.ts';
import { SEARCH_COMMANDS } from './search.ts';
import { SESSION_COMMANDS } from './session.ts';
import { STACK_COMMANDS } from './stacks.ts';
import { SYSTEM_COMMANDS } from './system.ts';
import { TARGET_COMMANDS } from './targets.ts';
import { TIME_TRAVEL_COMMANDS } from './time-travel.ts';
import { TYPE_COMMANDS } from './types.ts';
import { unmodeledNote } from './unmodeled.ts';
import { WATCH_COMMANDS } from './watch-trace.ts';

export type { Command, CommandContext, Family } from './command.ts';
export { findCommand, registeredCommands } from './registry.ts';

/** Every command, family by family. */
export const COMMANDS: Command[] = [
  ...BREAKPOINT_COMMANDS, ...EXECUTION_COMMANDS, ...WATCH_COMMANDS, ...TIME_TRAVEL_COMMANDS, ...REGISTER_COMMANDS,
  ...DISASSEMBLY_COMMANDS, ...MEMORY_COMMANDS, ...SEARCH_COMMANDS, ...STACK_COMMANDS, ...SYSTEM_COMMANDS, ...TARGET_COMMANDS,
  ...TYPE_COMMANDS, ...SCRIPTING_COMMANDS, ...SESSION_COMMANDS, ...EVENT_COMMANDS,
  ...PAGING_COMMANDS,
];

registerCommands(COMMANDS);
registerUnmodeledNote(unmodeledNote);
