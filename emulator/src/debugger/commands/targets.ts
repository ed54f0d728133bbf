// The target as a system: its thread, process and processor (!thread, !process, .thread,
// .process, !prcb), its version (vertarget, version), the last event (.lastevent) and one module
// in detail (lmvm). Values come from the modeled kernel's memory and the build record
// (windows/build.ts); a line WinDbg prints from data the model does not have is left out and named
// in a closing "(model: ... not modeled)" line, and a value the model lacks inside a kept line is
// shown as question marks, as kd shows memory it cannot read. Layouts follow Microsoft's debugger
// reference and public kd transcripts (cited in tests/unit/kd-targets.test.ts).

import { PlainError } from '../errors.ts';
import * as fmt from '../format.ts';
import type { KdSession } from '../session.ts';
import { BUILD } from '../../windows/build.ts';
import { oneValue, readLE, structOffset } from './args.ts';
import { family, type CommandContext } from './command.ts';

const notModeled = (parts: string[]) => `(model: ${parts.join(', ')} ${parts.length === 1 ? 'is' : 'are'} not modeled)`;

/** The model's one thread and its process, read as kd reads them (KPRCB.CurrentThread,
 *  KTHREAD.Process). */
export function currentThread(s: KdSession): { thread: bigint; process: bigint } {
  const prcb = s.kpcr() + BigInt(structOffset(s, '_KPCR', 'Prcb') ?? 0x180);
  const thread = s.readQword(prcb + BigInt(structOffset(s, '_KPRCB', 'CurrentThread') ?? 8)) ?? 0n;
  const process = s.readQword(thread + BigInt(structOffset(s, '_KTHREAD', 'Process') ?? 0x220)) ?? 0n;
  return { thread, process };
}

function field(s: KdSession, base: bigint, struct: string, name: string, size = 8): bigint | undefined {
  const o = structOffset(s, struct, name);
  if (o === undefined || base === 0n) return undefined;
  const b = s.machine.readVirtual(base + BigInt(o), size);
  return b ? readLE(b) : undefined;
}

const hexOr = (v: bigint | undefined, digits: number) => (v === undefined ? '?'.repeat(digits) : fmt.hexN(v, digits));

/** The user image the process runs: the module that is neither nt nor ntdll (EPROCESS's
 *  ImageFileName is not in the model's layout). */
function processImage(s: KdSession): string | undefined {
  return s.kernel.symbols.modules.find((m) => !['nt', 'ntdll'].includes(m.name))?.image;
}

/** Cid and Teb: the TEB's ClientId (the model writes the ids there; ETHREAD.Cid is not in its
 *  layout). */
function threadIds(s: KdSession, thread: bigint): { pid?: bigint; tid?: bigint; teb?: bigint } {
  const teb = field(s, thread, '_KTHREAD', 'Teb');
  const cid = teb === undefined ? undefined : structOffset(s, '_TEB', 'ClientId');
  if (teb === undefined || cid === undefined) return { teb };
  return { teb, pid: s.readQword(teb + BigInt(cid)), tid: s.readQword(teb + BigInt(cid) + 8n) };
}

function threadCommand(s: KdSession, args: string, ctx: CommandContext): string {
  const { thread, process } = currentThread(s);
  const a = args.trim();
  if (a !== '' && a !== '-1') {
    const want = oneValue(s, a, ctx);
    if (want !== thread) throw new PlainError(`${fmt.addr64(want)}: the model has one thread, ${fmt.addr64(thread)}; no other thread is modeled.`);
  }
  const { pid, tid, teb } = threadIds(s, thread);
  const stackInit = field(s, thread, '_KTHREAD', 'InitialStack');
  const base = field(s, thread, '_KTHREAD', 'StackBase');
  const limit = field(s, thread, '_KTHREAD', 'StackLimit');
  const image = processImage(s) ?? 'N/A';
  const frames = s.walk(32).map((f) => {
    const args4 = (f.args ?? [0n, 0n, 0n, 0n]).map(fmt.addr64).join(' ');
    return `${fmt.addr64(f.childSp)} ${fmt.addr64(f.retAddr)} : ${args4} : ${s.symbolize(f.pc) ?? `0x${fmt.addr64(f.pc)}`}`;
  });
  return [
    `THREAD ${fmt.hex16(thread)}  Cid ${hexOr(pid, 4)}.${hexOr(tid, 4)}  Teb: ${hexOr(teb, 16)} Win32Thread: ${'?'.repeat(16)} RUNNING on processor 0`,
    `Owning Process            ${fmt.hex16(process)}       Image:         ${image}`,
    `Stack Init ${hexOr(stackInit, 16)} Current ${fmt.hex16(s.view.getReg('rsp'))}`,
    `Base ${hexOr(base, 16)} Limit ${hexOr(limit, 16)} Call ${'?'.repeat(16)}`,
    `Child-SP          RetAddr           : Args to Child${' '.repeat(59)}: Call Site`,
    ...frames,
    notModeled(['Win32Thread', 'impersonation', 'DeviceMap', 'Attached Process', 'Wait Start TickCount', 'Context Switch Count',
      'UserTime', 'KernelTime', 'Win32 Start Address', 'Call', 'the priorities']),
  ].join('\n');
}

function processLines(s: KdSession, process: bigint, thread: bigint): string[] {
  const { pid } = threadIds(s, thread);
  const cid = field(s, process, '_EPROCESS', 'UniqueProcessId') ?? pid;
  const teb = field(s, thread, '_KTHREAD', 'Teb');
  const pebOff = structOffset(s, '_TEB', 'ProcessEnvironmentBlock');
  const peb = teb !== undefined && pebOff !== undefined ? s.readQword(teb + BigInt(pebOff)) : undefined;
  const dirBase = field(s, process, '_KPROCESS', 'DirectoryTableBase');
  return [
    `PROCESS ${fmt.hex16(process)}`,
    `    SessionId: ?  Cid: ${hexOr(cid, 4)}    Peb: ${peb === undefined ? '?' : peb.toString(16)}  ParentCid: ????`,
    `    DirBase: ${dirBase === undefined ? '?' : fmt.hexN(dirBase, 8)}  ObjectTable: ${'?'.repeat(16)}  HandleCount: ?`,
    `    Image: ${processImage(s) ?? '?'}`,
  ];
}

/** `!process [Process|-1|0] [Flags]`: -1 is the current process, 0 every process (the model has
 *  one). Flags beyond 0 add threads and details the model does not have. */
function processCommand(s: KdSession, args: string, ctx: CommandContext): string {
  const { thread, process } = currentThread(s);
  const words = args.trim() === '' ? ['-1'] : args.trim().split(/\s+/);
  if (words.length > 2) throw new PlainError('Usage: !process [Process|-1|0] [Flags]');
  const which = words[0] === '-1' ? process : oneValue(s, words[0], ctx);
  const all = which === 0n;
  if (!all && which !== process) throw new PlainError(`${fmt.addr64(which)}: the model has one process, ${fmt.addr64(process)}; no other process is modeled.`);
  const lines = [...(all ? ['**** NT ACTIVE PROCESS DUMP ****'] : []), ...processLines(s, process, thread)];
  const gaps = ['SessionId', 'ParentCid', 'ObjectTable', 'HandleCount'];
  if (all) gaps.push('the other processes (System, smss.exe, ...)');
  if (words[1] !== undefined && oneValue(s, words[1], ctx) !== 0n) gaps.push('the per-process details and thread lists that Flags asks for');
  return [...lines, notModeled(gaps)].join('\n');
}

/** `.thread` / `.process`: without an address, which thread or process is the implicit one; with
 *  the model's own, the same (`/p` also names the process and, for .thread, makes the user pages
 *  readable: `.cache forcedecodeuser done`; `/r` reloads user symbols), as public kd transcripts of
 *  `.thread /r /p` and `.process /r /p` print; any other address is not modeled. */
function implicit(kind: 'thread' | 'process') {
  return (s: KdSession, args: string, ctx: CommandContext): string => {
    const { thread, process } = currentThread(s);
    const cur = kind === 'thread' ? thread : process;
    const flags = /^((?:\/[a-z]\s*)*)/i.exec(args.trim())![1];
    const a = args.trim().slice(flags.length).trim();
    if (a !== '' && oneValue(s, a, ctx) !== 0n && oneValue(s, a, ctx) !== cur) {
      throw new PlainError(`The model has one ${kind} (${fmt.addr64(cur)}); setting the context to another ${kind} is not modeled.`);
    }
    const p = /\/p/.test(flags) && a !== '';
    const r = /\/r/.test(flags) && a !== '';
    const lines = [`Implicit ${kind} is now ${fmt.addr64(cur)}`];
    if (kind === 'thread' && p) lines.push(`Implicit process is now ${fmt.addr64(process)}`, '.cache forcedecodeuser done');
    if (r) lines.push('Loading User Symbols');
    return lines.join('\n');
  };
}

/** `!prcb`: the header and threads line of Microsoft's !prcb example. */
function prcbCommand(s: KdSession, args: string, ctx: CommandContext): string {
  if (args.trim() !== '' && oneValue(s, args, ctx) !== 0n) throw new PlainError('Cannot get PRCB address: the model has processor 0 only.');
  const prcb = s.kpcr() + BigInt(structOffset(s, '_KPCR', 'Prcb') ?? 0x180);
  const q = (f: string) => field(s, prcb, '_KPRCB', f);
  return [
    `PRCB for Processor 0 at ${fmt.hex16(prcb)}:`,
    `Threads--  Current ${hexOr(q('CurrentThread'), 16)} Next ${hexOr(q('NextThread'), 16)} Idle ${hexOr(q('IdleThread'), 16)}`,
    `Number ${Number(field(s, prcb, '_KPRCB', 'Number', 4) ?? 0n)} SetMember ${'?'.repeat(8)}`,
    notModeled(['SetMember', 'the interrupt count', 'the Dpc, Interrupt, Kernel and User times']),
  ].join('\n');
}

/** vertarget's lines: the product line and build lab from the build record, the kernel base from
 *  the module list, the build number as the target's KUSER_SHARED_DATA.NtBuildNumber holds it. */
function versionLines(s: KdSession): string[] {
  const nt = s.kernel.symbols.modules.find((m) => m.name === 'nt');
  const list = s.kernel.symbols.resolve('nt!PsLoadedModuleList');
  return [
    BUILD.product,
    `Built by: ${BUILD.buildLab}`,
    'Machine Name:',
    `Kernel base = 0x${fmt.addr64(nt?.base ?? 0n)} PsLoadedModuleList = ${list === undefined ? '?' : `0x${fmt.addr64(list)}`}`,
    notModeled(['the product and suite line', ...(list === undefined ? ['PsLoadedModuleList'] : []), 'the debug session time and system uptime (the target has no clock)']),
  ];
}

/** `.lastevent`: the event kd last reported, in the wording of its event banner. */
function lastEventCommand(s: KdSession): string {
  const e = s.lastEvent;
  if (!e) return 'Last event: none yet (the target has not run in this session)';
  switch (e.kind) {
    case 'break': return `Last event: Break instruction exception - code ${fmt.hexN(e.code, 8)} (first chance)`;
    case 'step': return 'Last event: Single step exception - code 80000004 (first chance)';
    case 'break-in': return 'Last event: Break instruction exception - code 80000003 (first chance)';
    case 'bugcheck': return `Last event: Kernel bug check ${fmt.hexN(e.code, 8)} (KeBugCheckEx; .bugcheck shows its arguments)`;
    case 'triple-fault': return 'Last event: triple fault (the processor shut down)';
    case 'budget': return `Last event: none reported (kd stopped the target after ${e.instructions} instructions)`;
    case 'exited': return 'Last event: the process exited';
  }
}

/** `lmvm Module` (lm v m): the module line and the image lines the model has. */
function moduleVerbose(s: KdSession, args: string, ctx: CommandContext): string {
  const pattern = args.trim();
  if (!/^lm(v|vm|mv)$/i.test(ctx.name) || (ctx.name.toLowerCase() === 'lmv' && !/^m\s/i.test(pattern) && pattern !== '')) {
    throw new PlainError(`${ctx.name}: this kd models lm, lm m Pattern and lmvm Pattern`);
  }
  const name = pattern.replace(/^m\s+/i, '');
  const re = new RegExp(`^${name.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*') || '.*'}$`, 'i');
  const mods = [...s.kernel.symbols.modules].filter((m) => re.test(m.name)).sort((a, b) => (a.base < b.base ? -1 : 1));
  const lines = ['Browse full module list', 'start             end                 module name'];
  for (const m of mods) {
    const image = m.image ?? `${m.name}.exe`;
    lines.push(
      fmt.moduleList([{ name: m.name, start: m.base, end: m.base + m.size, status: '(pdb symbols)', image: image.replace(/\.(exe|dll|sys)$/i, '.pdb') }]).split('\n')[2],
      `    Loaded symbol image file: ${image}`,
      `    Image path: ${image}`,
      `    Image name: ${image}`,
      `    ImageSize:        ${fmt.hexN(m.size, 8).toUpperCase()}`,
      `    ${notModeled(['Timestamp', 'CheckSum', 'the file version', 'the resource strings'])}`,
    );
  }
  return lines.join('\n');
}

export const TARGET_COMMANDS = family('system', [
  { name: '!thread', syntax: '!thread [-1 | Address]', help: 'the current thread: ids, TEB, owning process, kernel stack, call stack', handler: threadCommand },
  { name: '!process', syntax: '!process [-1 | 0 | Address] [Flags]', help: 'the current process (-1) or every process (0): Cid, Peb, DirBase, image', handler: processCommand },
  { name: '.thread', syntax: '.thread [Address]', help: 'show the implicit thread (the model has one)', handler: implicit('thread') },
  { name: '.process', syntax: '.process [Address]', help: 'show the implicit process (the model has one)', handler: implicit('process') },
  { name: '!prcb', syntax: '!prcb [Processor]', help: 'processor control block of processor 0: current, next and idle threads', handler: prcbCommand },
  { name: 'vertarget', syntax: 'vertarget', help: 'the target\'s Windows version, build lab and kernel base', handler: (s) => versionLines(s).join('\n') },
  { name: 'version', syntax: 'version', help: 'the target\'s version (as vertarget) and this debugger\'s', handler: (s) => [...versionLines(s), '', 'kd: the book\'s kd-style debugger on a modeled kernel (not Microsoft\'s debugger engine); .help lists its commands.'].join('\n') },
  { name: '.lastevent', syntax: '.lastevent', help: 'the last event the target reported', handler: (s) => lastEventCommand(s) },
  { name: 'lmv', matches: /^lm(v|vm|mv)$/i, syntax: 'lmvm Pattern', help: 'one module in detail: image name and size', handler: moduleVerbose },
]);
