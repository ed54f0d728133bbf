// Execution and stepping: g, t, p, gu, and the step-until family pt, ph, pc, tt, tc, ta. Each
// runs the target through the kernel's own paths (#BP and #DB reports) and yields between slices
// of a long run (see `RunSteps`).

import { CaretError, PlainError } from '../errors.ts';
import type { KdSession, RunSteps } from '../session.ts';
import { MASK64, MAX_STEPS, oneValue } from './args-core.ts';
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

/** One `t` (over = false) or `p` step; returns its output, or null when the target stopped for
 *  anything but the step (a breakpoint, a bug check...), whose output is then the second value. */
function* oneStep(s: KdSession, over: boolean): Generator<void, { out: string; stepped: boolean }, void> {
  const before = s.events.length;
  const rip = s.machine.getReg('rip');
  const d = s.disassemble(rip);
  const out = over && d.ins && /^(call|syscall|int)$/.test(d.ins.mnemonic)
    ? yield* s.goSteps({ tempAt: (rip + BigInt(d.length)) & MASK64, showRegisters: true })
    : s.step();
  const last = s.events[s.events.length - 1];
  return { out, stepped: s.events.length > before && last.kind === 'step' };
}

/** Steps a step-until command may take before kd gives control back (each is a trip through the
 *  kernel's #DB path). */
const STEP_UNTIL_LIMIT = 0x4000;

const RETURN = /^(ret|iretq|sysretq)$/;
const CALL = /^(call|syscall|int)$/;
const BRANCH = /^(call|ret|iretq|sysretq|syscall|int|int3|jmp|j[a-z]+|loop[a-z]*)$/;

/**
 * `pt`/`tt` (to the next return), `pc`/`tc` (to the next call), `ph` (to the next branching
 * instruction): steps (`p` or `t`) until the current instruction is one, and shows only where it
 * stopped, with the registers, as Microsoft's reference for pt, pc, ph, tt, tc describes. `ta
 * Address` traces to an address and shows every step.
 */
function stepUntil(over: boolean, stop: RegExp | 'address') {
  return function* (s: KdSession, args: string, ctx: CommandContext): RunSteps {
    let target: bigint | undefined;
    if (stop === 'address') {
      if (args.trim() === '') throw new CaretError('Syntax error', ctx.text.length);
      target = oneValue(s, args, ctx) & MASK64;
    } else if (args.trim() !== '') {
      throw new PlainError(`${ctx.name}: a count, start address or command string is not modeled here; ${ctx.name} alone is.`);
    }
    const shown: string[] = [];
    let last = '';
    for (let n = 0; ; n++) {
      if (n === STEP_UNTIL_LIMIT) {
        shown.push(`${ctx.name}: stopped after ${STEP_UNTIL_LIMIT} steps without reaching ${stop === 'address' ? 'the address' : 'such an instruction'}.`);
        break;
      }
      const r = yield* oneStep(s, over);
      last = r.out;
      if (stop === 'address') shown.push(r.out);
      if (!r.stepped) break;
      const rip = s.machine.getReg('rip');
      if (stop === 'address' ? rip === target : stop.test(s.disassemble(rip).ins?.mnemonic ?? '')) break;
      yield;
    }
    return stop === 'address' ? shown.join('\n') : [last, ...shown].join('\n');
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
  const outs = [yield* s.goSteps()];
  // A breakpoint with a command string runs it when `g` hits it; a final `g`/`gc` there goes on
  // (learn.microsoft.com "bp, bu, bm (Set Breakpoint)": CommandString). Bounded, so a breakpoint
  // whose commands always continue cannot run forever.
  for (let n = 0; n < BREAKPOINT_COMMAND_RUNS; n++) {
    const last = s.lastEvent;
    const bp = last?.kind === 'break' && last.breakpoint !== null ? s.breakpoints.get(last.breakpoint) : undefined;
    if (!bp?.commands) break;
    const r = yield* s.breakpointCommands(bp.commands);
    if (r.output !== '') outs.push(r.output);
    if (!r.resume) break;
    outs.push(yield* s.goSteps());
  }
  return outs.join('\n');
}

/** Hits of command-string breakpoints one `g` follows before giving control back. */
const BREAKPOINT_COMMAND_RUNS = 0x100;

export const EXECUTION_COMMANDS = family('execution', [
  { name: 'g', syntax: 'g [=Start] [Address]', help: 'go: run until an event (breakpoint, bug check) or the instruction budget', handler: go },
  { name: 't', syntax: 't [Count]', help: 'trace: execute one instruction (TF set, reported through the kernel\'s #DB handler)', handler: stepCommand(false) },
  { name: 'p', syntax: 'p [Count]', help: 'step: like t, but runs a call (or syscall, int n) to its return', handler: stepCommand(true) },
  { name: 'pt', syntax: 'pt', help: 'step to the next return (ret, iretq, sysretq): p until the current instruction is one', handler: stepUntil(true, RETURN) },
  { name: 'tt', syntax: 'tt', help: 'trace to the next return: t until the current instruction is one', handler: stepUntil(false, RETURN) },
  { name: 'pc', syntax: 'pc', help: 'step to the next call (call, syscall, int n)', handler: stepUntil(true, CALL) },
  { name: 'tc', syntax: 'tc', help: 'trace to the next call (call, syscall, int n)', handler: stepUntil(false, CALL) },
  { name: 'ph', syntax: 'ph', help: 'step to the next branching instruction (jumps, calls, returns, system calls)', handler: stepUntil(true, BRANCH) },
  { name: 'ta', syntax: 'ta Address', help: 'trace to an address, showing every step', handler: stepUntil(false, 'address') },
  { name: 'gc', syntax: 'gc', help: 'go from a conditional breakpoint: continue as the g that hit it (at the prompt, as g)', handler: go },
  { name: 'gu', syntax: 'gu', help: 'go up: run until the current function returns', handler: (s) => goUp(s) },
]);
