// Breakpoints: bp, bu, ba, bl, bc, bd, be. Software breakpoints are an int 3 written into guest
// memory while the target runs, reported through the kernel's own #BP handler; processor
// breakpoints (ba) are the debug registers, programmed through the kernel's KPRCB as kd does and
// reported through its #DB handler (KiDebugTrapOrFault -> KiDispatchException -> KdTrap).

import { CaretError, PlainError } from '../errors.ts';
import { ExprError } from '../expr.ts';
import * as fmt from '../format/core.ts';
import type { KdSession } from '../session.ts';
import { MASK64, oneValue, parseIds } from './args-core.ts';
import { family, type CommandContext } from './command.ts';

function setBreakpoint(s: KdSession, args: string, ctx: CommandContext, deferredOnly: boolean): string {
  const explicit = /^b[pu](\d+)$/i.exec(ctx.name);
  let expression = args.trim();
  // `"cmd; cmd"` at the end: the commands to run when `g` hits it.
  let commands: string | undefined;
  const quoted = /\s*"([^"]*)"\s*$/.exec(expression);
  if (quoted) { commands = quoted[1]; expression = expression.slice(0, quoted.index).trim(); }
  // `/1`: a one-shot breakpoint, cleared when it is hit (learn.microsoft.com "bp, bu, bm (Set
  // Breakpoint)", Options).
  const oneShot = /^\/1(\s|$)/.test(expression);
  if (oneShot) expression = expression.slice(2).trim();
  else if (expression.startsWith('/')) throw new PlainError(`bp option ${expression.split(/\s/)[0]} is not modeled here; /1 is.`);
  if (expression === '') {
    // `bp` alone sets a breakpoint at the current instruction.
    const rip = s.machine.getReg('rip');
    const r = s.breakpoints.set(fmt.addr64(rip), rip);
    return r.redefined ? `breakpoint ${r.id} redefined` : '';
  }
  let address: bigint | undefined;
  let unresolved = false;
  try {
    address = oneValue(s, expression, ctx);
  } catch (e) {
    if (e instanceof ExprError && e.kind === 'resolve') unresolved = true;
    else throw e;
  }
  if (deferredOnly && address === undefined) unresolved = true;
  const id = explicit ? Number(explicit[1]) : undefined;
  const existedAtId = id !== undefined && s.breakpoints.get(id) !== undefined;
  const r = s.breakpoints.set(expression, address === undefined ? undefined : address & MASK64, id);
  const b = s.breakpoints.get(r.id);
  if (b) { b.oneShot = oneShot; b.commands = commands; }
  const lines: string[] = [];
  if (existedAtId) lines.push(`breakpoint ${r.id} exists, redefining`);
  if (r.redefined) lines.push(`breakpoint ${r.id} redefined`);
  if (unresolved && !deferredOnly) lines.push(fmt.deferredBreakpoint(expression));
  return lines.join('\n');
}

/**
 * `ba[ID] Access Size [/1] [Address]` (learn.microsoft.com "ba (Break on Access)"): e1, w/r with
 * sizes 1, 2, 4, 8. Errors in dbgeng's words (its X86DataBreakpoint::Validate): "Unsupported data
 * breakpoint size", "Data breakpoint must be aligned", "Execution data breakpoint too large", and
 * for `i` "I/O breakpoints not enabled" (the model's CR4.DE is 0). Without an address, the current
 * instruction is used, as the reference says.
 */
function setProcessorBreakpoint(s: KdSession, args: string, ctx: CommandContext): string {
  const explicit = /^ba(\d+)$/i.exec(ctx.name);
  const m = /^\s*([erwi])\s*(\d+)/i.exec(args);
  if (!m) throw new CaretError('Syntax error', ctx.argsOffset + (args.length - args.trimStart().length));
  const access = m[1].toLowerCase() as 'e' | 'r' | 'w' | 'i';
  const size = Number(m[2]);
  let rest = args.slice(m[0].length).trim();
  let oneShot = false;
  while (rest.startsWith('/')) {
    const opt = /^\/(\S+)\s*/.exec(rest)!;
    if (opt[1] !== '1') throw new PlainError(`ba option /${opt[1]} is not modeled here (this kd has one processor, one process and one thread); /1 is.`);
    oneShot = true;
    rest = rest.slice(opt[0].length);
  }
  let address: bigint;
  if (rest === '') address = s.machine.getReg('rip');
  else {
    const r = s.evalPrefix(rest);
    if (r.rest.trim() !== '') throw new CaretError('Syntax error', ctx.text.length - r.rest.trim().length);
    address = r.value & MASK64;
  }
  if (![1, 2, 4, 8].includes(size)) throw new PlainError('Unsupported data breakpoint size');
  if (address & BigInt(size - 1)) throw new PlainError('Data breakpoint must be aligned');
  if (access === 'e' && size > 1) throw new PlainError('Execution data breakpoint too large');
  if (access === 'i') throw new PlainError('I/O breakpoints not enabled');
  const id = explicit ? Number(explicit[1]) : undefined;
  const r = s.breakpoints.setProcessor(rest === '' ? fmt.addr64(address) : rest, address, access, size, oneShot, id);
  return r.redefined ? `breakpoint ${r.id} redefined` : '';
}

function listBreakpoints(s: KdSession): string {
  return s.breakpoints
    .all()
    .map((b) =>
      fmt.breakpointListLine({
        id: b.id, enabled: b.enabled, address: b.address, expression: b.expression,
        symbol: b.address !== undefined ? s.symbolize(b.address) : undefined, passes: 1, initialPasses: 1,
        ...(b.access ? { access: b.access, size: b.size } : {}),
      }) + (b.commands !== undefined ? ` "${b.commands}"` : ''),
    )
    .join('\n');
}

function setEnabled(s: KdSession, args: string, ctx: CommandContext, enabled: boolean): string {
  for (const id of parseIds(s, args, ctx)) {
    const b = s.breakpoints.get(id);
    if (b) b.enabled = enabled;
  }
  return '';
}

export const BREAKPOINT_COMMANDS = family('breakpoints', [
  { name: 'bp', syntax: 'bp[ID] [/1] [Address] ["CommandString"]', help: 'set a breakpoint (an int 3 written into guest memory when the target runs)', handler: (s, a, c) => setBreakpoint(s, a, c, false) },
  { name: 'bu', syntax: 'bu[ID] Address', help: 'set a deferred breakpoint, resolved by symbol', handler: (s, a, c) => setBreakpoint(s, a, c, true) },
  { name: 'ba', syntax: 'ba[ID] e|w|r Size [/1] [Address]', help: 'set a processor breakpoint: a debug register (DR0-DR3) for execute, write or read/write of 1, 2, 4 or 8 bytes', handler: setProcessorBreakpoint },
  { name: 'bl', syntax: 'bl', help: 'list breakpoints', handler: (s) => listBreakpoints(s) },
  { name: 'bc', syntax: 'bc IDs|*', help: 'clear breakpoints (1 3, 1,3, 1-3, *)', handler: (s, a, c) => { for (const id of parseIds(s, a, c)) s.breakpoints.remove(id); return ''; } },
  { name: 'bd', syntax: 'bd IDs|*', help: 'disable breakpoints', handler: (s, a, c) => setEnabled(s, a, c, false) },
  { name: 'be', syntax: 'be IDs|*', help: 'enable breakpoints', handler: (s, a, c) => setEnabled(s, a, c, true) },
]);
