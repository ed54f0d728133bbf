// The semantics table: one function per opcode-table `op` key.

import type { Semantics } from '../machine.ts';
import { ALU } from './alu.ts';
import { SHIFT } from './shift.ts';
import { MULDIV } from './muldiv.ts';
import { BITS } from './bits.ts';
import { DATA } from './data.ts';
import { STACK } from './stack.ts';
import { CONTROL } from './control.ts';
import { STRING } from './string.ts';
import { SYSTEM } from './system.ts';
import { BITMANIP } from './bitmanip.ts';
import { SEGDESC } from './segdesc.ts';

export const SEMANTICS: Record<string, Semantics> = {
  ...ALU, ...SHIFT, ...MULDIV, ...BITS, ...DATA, ...STACK, ...CONTROL, ...STRING, ...SYSTEM, ...BITMANIP, ...SEGDESC,
};
