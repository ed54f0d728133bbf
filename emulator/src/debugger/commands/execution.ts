// Execution and stepping: g, t, p, gu. Each runs the target through the kernel's own paths (#BP
// and #DB reports) and yields between slices of a long run (see `RunSteps`).

import { CaretError, PlainError } from '../errors.ts';
import type { KdSession, RunSteps } from '../session.ts';
import { MASK64, MAX_STEPS, oneValue } from './args.ts';
import { family, type CommandContext } from './command.ts';

function stepCommand(over: boolean) {
  return function* (s: KdSession, args: string, ctx: CommandContext): RunSteps {
    let count = 1;
    if (args.trim() !== '') {
      const v = oneValue(s, args, ctx);
      if (v > BigInt(MAX_STEPS)) throw new CaretError('Range error', ctx.text.length - 1);
      count = Math.max(1, Number(v));
    }
    const outs: string[] = [];
    for (let i = 0; i < count; i++) {
      const before = s.events.length;
      const rip = s.machine.getReg('rip');
      const d = s.disassemble(rip);
      // `p` runs to the next instruction over anything that returns there: a call, or a system
      // call / software interrupt whose kernel side ends in sysret / iretq back to it.
      if (over && d.ins && /^(call|syscall|int)$/.test(d.ins.mnemonic)) {
        outs.push(yield* s.goSteps({ tempAt: (rip + BigInt(d.length)) & MASK64, showRegisters: true }));
      } else {
        outs.push(s.step());
        // A pause point between single steps too: `t 0n1000` or `p` over many steps is long.
        if (i + 1 < count) yield;
      }
      const last = s.events[s.events.length - 1];
      if (s.events.length === before || last.kind !== 'step') break;
    }
    return outs.join('\n');
  };
}

function* goUp(s: KdSession): RunSteps {
  const [frame] = s.walk(1);
  if (!frame || frame.retAddr === 0n) throw new PlainError('Unable to find the return address of the current function.');
  return yield* s.goSteps({ tempAt: frame.retAddr });
}

function* go(s: KdSession, args: string, ctx: CommandContext): RunSteps {
  let rest = args.trim();
  if (rest.startsWith('=')) {
    const r = s.evalPrefix(rest.slice(1));
    s.machine.setReg('rip', r.value);
    rest = r.rest.trim();
  }
  if (rest !== '') return yield* s.goSteps({ tempAt: oneValue(s, rest, ctx) });
  return yield* s.goSteps();
}

export const EXECUTION_COMMANDS = family('execution', [
  { name: 'g', syntax: 'g [=Start] [Address]', help: 'go: run until an event (breakpoint, bug check) or the instruction budget', handler: go },
  { name: 't', syntax: 't [Count]', help: 'trace: execute one instruction (TF set, reported through the kernel\'s #DB handler)', handler: stepCommand(false) },
  { name: 'p', syntax: 'p [Count]', help: 'step: like t, but runs a call (or syscall, int n) to its return', handler: stepCommand(true) },
  { name: 'gu', syntax: 'gu', help: 'go up: run until the current function returns', handler: (s) => goUp(s) },
]);
