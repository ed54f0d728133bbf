// `??` (Evaluate C++ Expression): the C++ evaluator (cpp-expr.ts) over the session's registers,
// typed pseudo-registers, symbols, memory and struct layouts; prints the C type and the value, a
// struct as dt shows it with values.

import { evaluateCpp, type CppContext } from '../cpp-expr.ts';
import { PlainError } from '../errors.ts';
import { ExprError } from '../expr.ts';
import * as fmt from '../format.ts';
import { cppScalar } from '../format/scripting.ts';
import type { KdSession } from '../session.ts';
import { registerCppEvaluator } from './registry.ts';
import { fieldViews } from './types.ts';

/** The struct each typed pseudo-register points to ("Pseudo-Register Syntax"). */
const PSEUDO_TYPES: Record<string, string[]> = {
  $pcr: ['_KPCR'], $prcb: ['_KPRCB'], $thread: ['_ETHREAD', '_KTHREAD'], $proc: ['_EPROCESS', '_KPROCESS'],
  $teb: ['_TEB'], $peb: ['_PEB'],
};

export function cppContext(s: KdSession): CppContext {
  return {
    register: (n) => s.registers.get(n),
    pseudoType: (n) => PSEUDO_TYPES[n]?.find((t) => s.kernel.structs[t] !== undefined || Object.values(s.kernel.structs).some((d) => d.name === t)),
    symbol: (n) => s.kernel.symbols.resolve(n),
    read: (a, n) => s.machine.readVirtual(a, n),
    structs: s.kernel.structs,
    masm: (t) => {
      const r = s.evalPrefix(t);
      if (r.rest.trim() !== '') throw new ExprError('syntax', t, t.length - r.rest.length);
      return r.value;
    },
  };
}

export function evaluateCppCommand(s: KdSession, args: string): string {
  const text = args.trim();
  if (text === '') throw new PlainError('Numeric expression missing from \'<EOL>\'');
  const v = evaluateCpp(text, cppContext(s));
  if (v.type.kind === 'struct' && v.address !== undefined) {
    const name = v.type.name;
    const def = Object.values(s.kernel.structs).find((d) => d.name === name);
    if (!def) return `struct ${name}`;
    return [`struct ${name}`, fmt.structLines(fieldViews(s, def.fields, v.address))].join('\n');
  }
  return cppScalar(v);
}

registerCppEvaluator((s, text) => evaluateCpp(text, cppContext(s)).value);
