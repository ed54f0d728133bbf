// Types: dt over the modeled kernel's struct layouts (display-type.ts), and ?? (evaluate-cpp.ts).

import { family } from './command.ts';
import { displayType } from './display-type.ts';
import { evaluateCppCommand } from './evaluate-cpp.ts';

export { fieldViews } from './display-type.ts';

export const TYPE_COMMANDS = family('types', [
  { name: '??', syntax: '?? Expression', help: 'evaluate a C++ expression over registers and typed fields (?? @$pcr->Prcb.RspBase)', handler: (s, a) => evaluateCppCommand(s, a) },
  { name: 'dt', syntax: 'dt [-r[n]] [-b] [-v] [nt!]Type [Field ...] [Address]', help: 'display a type (_KPCR _KPRCB _KTHREAD _KTRAP_FRAME _KTSS64 _KIDTENTRY64 _KUSER_SHARED_DATA ...), with values at Address; -r/-b expand embedded structures, -v gives sizes', handler: displayType },
]);
