// Page-table views: `!pte` and `!vtop`, walking the target's four-level tables in physical memory
// (debugger/paging.ts). With KVA shadow on, the current process has two hierarchies
// (KPROCESS.DirectoryTableBase for the kernel, KPROCESS.UserDirectoryTableBase for user mode);
// WinDbg's `!pte` shows only the first, through the self-map. This kd then adds the same walk
// through the user hierarchy, labelled as its own addition, with physical entry addresses: the
// user hierarchy has no self-map in the model.

import { CaretError, PlainError } from '../errors.ts';
import { pteBlock, vtopBlock } from '../format/paging.ts';
import { canonical, selfMapAddresses, walk, type PhysReader } from '../paging.ts';
import { pseudoRegister } from '../pseudo.ts';
import type { KdSession } from '../session.ts';
import { structOffset } from './args.ts';
import { family, type CommandContext } from './command.ts';

interface Bases { kernel: bigint; user: bigint }

function reader(s: KdSession): PhysReader {
  const m = s.machine;
  if (!m.readPhysical) throw new PlainError('This target gives kd no access to physical memory.');
  return (pa, n) => m.readPhysical!(pa, n);
}

/** The current process's directory bases (KPROCESS.DirectoryTableBase / UserDirectoryTableBase,
 *  Vergilius 17134 _KPROCESS +028h / +278h), bits 51:12 only (Windows keeps flags in the low
 *  bits when it uses PCIDs; the model does not). */
function processBases(s: KdSession): Bases {
  const proc = pseudoRegister(s, '$proc');
  const k = structOffset(s, '_KPROCESS', 'DirectoryTableBase');
  const u = structOffset(s, '_KPROCESS', 'UserDirectoryTableBase');
  const kernel = proc && k !== undefined ? s.readQword(proc + BigInt(k)) : undefined;
  if (!kernel) throw new PlainError('Unable to read the current process\'s DirectoryTableBase.');
  const user = proc && u !== undefined ? s.readQword(proc + BigInt(u)) ?? 0n : 0n;
  const mask = 0x000ffffffffff000n;
  return { kernel: kernel & mask, user: user & mask };
}

function pteBase(s: KdSession): bigint | undefined {
  const sym = s.kernel.symbols.resolve('nt!MmPteBase');
  return sym === undefined ? undefined : s.readQword(sym);
}

const phys = (v: bigint) => `#${v.toString(16).padStart(16, '0').toUpperCase()}`;

function pteCommand(s: KdSession, args: string, ctx: CommandContext): string {
  if (args.trim() === '') throw new CaretError('Syntax error', ctx.text.length - 1);
  const r = s.evalPrefix(args);
  if (r.rest.trim() !== '') throw new CaretError('Syntax error', ctx.text.length - r.rest.trim().length);
  const read = reader(s);
  const bases = processBases(s);
  const base = pteBase(s);
  let va = canonical(r.value);
  // `!pte PTE`: an address inside the self-map is taken as the address of a PTE (Microsoft's !pte
  // page, "Remarks"); the address it maps is shown.
  if (base !== undefined && va >= base && va < base + (1n << 39n)) va = canonical(((va - base) >> 3n) << 12n);
  const kernelWalk = walk(read, bases.kernel, va);
  const at = base !== undefined
    ? selfMapAddresses(base, va).map((a) => a.toString(16).padStart(16, '0').toUpperCase())
    : kernelWalk.steps.map((x) => phys(x.pa));
  const out = [pteBlock(kernelWalk, at)];
  if (bases.user !== 0n && bases.user !== bases.kernel) {
    const userWalk = walk(read, bases.user, va);
    const idx = [0, 1, 2, 3].map((i) => userWalk.steps[i] ? phys(userWalk.steps[i].pa) : '-');
    out.push('', `KVA shadow: the same address under KPROCESS.UserDirectoryTableBase ${phys(bases.user)}`,
      '(this kd\'s addition to !pte; the user page tables have no self-map, so # marks physical addresses):',
      pteBlock(userWalk, idx));
  }
  return out.join('\n');
}

function vtopCommand(s: KdSession, args: string, ctx: CommandContext): string {
  const first = s.evalPrefix(args);
  const rest = args.slice(first.used);
  if (rest.trim() === '') throw new CaretError('Syntax error', ctx.text.length - 1);
  const second = s.evalPrefix(rest);
  if (second.rest.trim() !== '') throw new CaretError('Syntax error', ctx.text.length - second.rest.trim().length);
  const read = reader(s);
  const va = canonical(second.value);
  // `!vtop PFN VirtualAddress` (Microsoft's page); transcripts also pass the directory base
  // itself (`!vtop 0x31aa0000 ...`): a value with its low 12 bits clear is taken as the base.
  if (first.value !== 0n) {
    const dir = (first.value & 0xfffn) === 0n ? first.value : first.value << 12n;
    return vtopBlock(walk(read, dir, va));
  }
  const bases = processBases(s);
  const out = [vtopBlock(walk(read, bases.kernel, va))];
  if (bases.user !== 0n && bases.user !== bases.kernel) {
    out.push('', `KVA shadow: the same walk from KPROCESS.UserDirectoryTableBase (this kd's addition to !vtop 0):`,
      vtopBlock(walk(read, bases.user, va)));
  }
  return out.join('\n');
}

export const PAGING_COMMANDS = family('system', [
  {
    name: '!pte',
    syntax: '!pte VirtualAddress | PTE',
    help: 'paging entries (PXE, PPE, PDE, PTE) of an address through the self-map; with KVA shadow, the user page tables too',
    handler: pteCommand,
  },
  {
    name: '!vtop',
    syntax: '!vtop PFN|DirBase|0 VirtualAddress',
    help: 'walk the four-level tables from a directory base (0: the current process; with KVA shadow, both of its bases)',
    handler: vtopCommand,
  },
]);
