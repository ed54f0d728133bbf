// The kd core: the families the breakpoint lab and the stepper run (breakpoints, execution).
// Everything else registers when index.ts loads (see full.ts / lazy.ts).

import { BREAKPOINT_COMMANDS } from './breakpoints.ts';
import { EXECUTION_COMMANDS } from './execution.ts';
import { registerCommands } from './registry.ts';

registerCommands([...BREAKPOINT_COMMANDS, ...EXECUTION_COMMANDS]);
