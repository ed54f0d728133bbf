// Stacks and trap frames: k and its variants (kb kv kp kP kc kn kL, with a frame count), .trap and
// .cxr (a register context from a _KTRAP_FRAME or CONTEXT record; without an address they reset
// it), .bugcheck, and !analyze (analyze.ts).

import { CaretError, PlainError } from '../errors.ts';
import * as fmt from '../format.ts';
import { cleanStack, LAST_SET_CONTEXT, trapRegisterBlock } from '../format/stacks.ts';
import type { KdSession } from '../session.ts';
import { oneValue } from './args.ts';
import { analyze } from './analyze.ts';
import { family, type CommandContext } from './command.ts';
import { contextRecord, trapFrameContext } from './trap-context.ts';

/** `k[b|p|P|v][c][n][L]`: the option letters of the stack commands this kd models. */
const STACK_NAME = /^k([bpPv]?)(c?)(n?)(L?)$/;

function stackCommand(s: KdSession, args: string, ctx: CommandContext): string {
  const m = STACK_NAME.exec(ctx.name);
  if (!m) throw new CaretError('Syntax error', 0);
  const [, kind, clean] = m;
  let max = 32;
  // The frame count, hex by default (`k 5`, `kb 3`, `k L5` in older syntax).
  const a = args.trim().replace(/^l\s*/i, '');
  if (a !== '') max = Math.max(1, Math.min(0x100, Number(oneValue(s, a, ctx))));
  const walked = s.walk(max);
  const site = (pc: bigint) => s.symbolize(pc) ?? `0x${fmt.addr64(pc)}`;
  let out: string;
  if (clean) {
    // kc: module!function only, no offset.
    out = cleanStack(walked.map((f) => s.kernel.symbols.nearest(f.pc)?.name ?? `0x${fmt.addr64(f.pc)}`));
  } else {
    // Only kv marks the frames that return through a trap frame (FPO column of x86, TrapFrame on x64).
    const frames = walked.map((f) => ({
      childSp: f.childSp, retAddr: f.retAddr, args: f.args,
      callSite: site(f.pc) + (kind === 'v' && f.trapFrame !== undefined ? ` (TrapFrame @ ${fmt.addr64(f.trapFrame)})` : ''),
    }));
    out = fmt.stackTrace(frames, kind === 'b' || kind === 'v');
  }
  return s.hasContext ? `${LAST_SET_CONTEXT}\n${out}` : out;
}

/** `.trap [Address]` / `.cxr [Address]`: show and set the register context saved at Address. */
function setContext(kind: 'trap' | 'cxr') {
  return (s: KdSession, args: string, ctx: CommandContext): string => {
    if (args.trim() === '') {
      s.setContext(null);
      return '';
    }
    const address = oneValue(s, args, ctx);
    const read = kind === 'trap' ? trapFrameContext(s, address) : contextRecord(s, address);
    if (!read) throw new PlainError(`Unable to read ${kind === 'trap' ? 'trap frame' : 'context'} at ${fmt.addr64(address)}`);
    s.setContext(read.registers, read.segments);
    if (kind === 'cxr') return `${fmt.registerBlock(s.registerFile())}\n${s.currentLocation()}`;
    return `${trapRegisterBlock(s.registerFile(), true)}\n${s.currentLocation()}`;
  };
}

function bugcheckCommand(s: KdSession): string {
  return fmt.bugCheckSummary(s.bugcheck ?? { code: 0, args: [0n, 0n, 0n, 0n] });
}

export const STACK_COMMANDS = family('stacks', [
  { name: 'k', matches: STACK_NAME, syntax: 'k[b|p|P|v][c][n][L] [FrameCount]', help: 'stack backtrace (kb kv: four stack arguments; kv: trap frames; kc: module!function only; kn kL kp kP as k: the frames are numbered, the model has no source lines or private parameter types)', handler: stackCommand },
  { name: 'kb', syntax: 'kb [FrameCount]', help: 'stack backtrace with the first four stack arguments', handler: stackCommand },
  { name: '.trap', syntax: '.trap [Address]', help: 'registers from the _KTRAP_FRAME at Address become the context (r, k, u use it); .trap alone resets', handler: setContext('trap') },
  { name: '.cxr', syntax: '.cxr [Address]', help: 'registers from the CONTEXT record at Address become the context; .cxr alone resets', handler: setContext('cxr') },
  { name: '.bugcheck', syntax: '.bugcheck', help: 'bug check code and arguments', handler: (s) => bugcheckCommand(s) },
  { name: '!analyze', syntax: '!analyze [-v]', help: 'analyse the bug check: the faulting instruction, its trap frame, the stack', handler: (s, a) => analyze(s, a) },
]);
