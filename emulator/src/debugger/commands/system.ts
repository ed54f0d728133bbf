// System views: !pcr, !idt, the symbol and module views x, ln, lm, and the book's !bpmap.

import { CaretError } from '../errors.ts';
import * as fmt from '../format.ts';
import type { KdSession } from '../session.ts';
import { oneValue, readLE, structOffset } from './args.ts';
import { family, type CommandContext } from './command.ts';
import { displaySelectors } from './selectors.ts';
import { bpmapCommand } from '../bpmap.ts';

function pcrCommand(s: KdSession): string {
  const pcr = s.kpcr();
  const q = (o: number | undefined) => (o === undefined ? 0n : s.readQword(pcr + BigInt(o)) ?? 0n);
  const prcbOff = structOffset(s, '_KPCR', 'Prcb') ?? 0x180;
  const prcb = pcr + BigInt(prcbOff);
  const inPrcb = (f: string) => {
    const o = structOffset(s, '_KPRCB', f);
    return o === undefined ? 0n : s.readQword(prcb + BigInt(o)) ?? 0n;
  };
  const irql = s.machine.readVirtual(pcr + BigInt(structOffset(s, '_KPCR', 'Irql') ?? 0x50), 1);
  // On x64 the NT_TIB view of the KPCR overlays GdtBase, TssBase, UserRsp, Self, CurrentPrcb,
  // LockArray and Used_Self; !pcr prints those words under the NtTib names.
  return fmt.pcrReport(pcr, [
    [
      ['NtTib.ExceptionList', q(0)], ['NtTib.StackBase', q(8)], ['NtTib.StackLimit', q(0x10)],
      ['NtTib.SubSystemTib', q(0x18)], ['NtTib.Version', q(0x20)], ['NtTib.UserPointer', q(0x28)], ['NtTib.SelfTib', q(0x30)],
    ],
    [
      ['SelfPcr', 0n], ['Prcb', prcb], ['Irql', BigInt(irql?.[0] ?? 0)], ['IRR', 0n], ['IDR', 0n], ['InterruptMode', 0n],
      ['IDT', 0n], ['GDT', 0n], ['TSS', 0n],
    ],
    [['CurrentThread', inPrcb('CurrentThread')], ['NextThread', inPrcb('NextThread')], ['IdleThread', inPrcb('IdleThread')]],
  ]);
}

/** `!idt`: the present gates of the IDT (16-byte gate descriptors, SDM Vol. 3A §7.14.1 Figure
 *  7-8), with the IST stack from the TSS (IST1 at TSS+24h, §8.7 Figure 8-11). */
function idtCommand(s: KdSession, args: string, ctx: CommandContext): string {
  const pcr = s.kpcr();
  const idt = s.readQword(pcr + BigInt(structOffset(s, '_KPCR', 'IdtBase') ?? 0x38)) ?? 0n;
  const tss = s.readQword(pcr + BigInt(structOffset(s, '_KPCR', 'TssBase') ?? 0x08)) ?? 0n;
  let vectors = [...Array(256).keys()];
  if (args.trim() !== '') {
    const v = oneValue(s, args, ctx);
    if (v > 0xffn) throw new CaretError('Range error', ctx.text.length - 1);
    vectors = [Number(v)];
  }
  const entries: fmt.IdtEntryView[] = [];
  for (const v of vectors) {
    const g = s.machine.readVirtual(idt + BigInt(v * 16), 16);
    if (!g || !(g[5] & 0x80)) continue;
    const handler = BigInt(g[0] | (g[1] << 8)) | (BigInt(g[6] | (g[7] << 8)) << 16n) | (readLE(g.slice(8, 12)) << 32n);
    const ist = g[4] & 7;
    const stack = ist ? s.readQword(tss + 0x24n + BigInt(8 * (ist - 1))) : undefined;
    entries.push({ vector: v, handler, symbol: s.symbolize(handler), stack });
  }
  if (vectors.length === 1 && entries.length === 0) return `${fmt.hexN(vectors[0], 2)}: not present`;
  return fmt.idtReport(idt, entries);
}

function examine(s: KdSession, args: string, ctx: CommandContext): string {
  let pattern = args.trim();
  if (pattern === '') throw new CaretError('Syntax error', ctx.text.length - 1);
  if (!pattern.includes('!')) pattern = `*!${pattern}`;
  const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 'i');
  return s.kernel.symbols
    .all()
    .filter((sym) => re.test(sym.name))
    .slice()
    .sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : a.name.localeCompare(b.name)))
    .map((sym) => fmt.examineLine(sym.address, sym.name))
    .join('\n');
}

function nearest(s: KdSession, args: string, ctx: CommandContext): string {
  const a = args.trim() === '' ? s.machine.getReg('rip') : oneValue(s, args, ctx);
  const below = s.kernel.symbols.nearest(a);
  if (!below) return '';
  let above: { address: bigint; name: string } | undefined;
  for (const sym of s.kernel.symbols.all()) {
    if (sym.address > a && (!above || sym.address < above.address)) above = sym;
  }
  return fmt.nearestReport({ address: below.address, name: below.name, offset: a - below.address }, above);
}

function listModules(s: KdSession, args: string): string {
  const filter = /^\s*m\s+(\S+)/i.exec(args)?.[1];
  const re = filter ? new RegExp(`^${filter.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`, 'i') : null;
  const mods = [...s.kernel.symbols.modules]
    .filter((m) => !re || re.test(m.name))
    .sort((a, b) => (a.base < b.base ? -1 : 1))
    .map((m) => ({
      name: m.name, start: m.base, end: m.base + m.size, status: '(pdb symbols)',
      image: (m.image ?? `${m.name}.exe`).replace(/\.(exe|dll|sys)$/i, '.pdb'),
    }));
  return fmt.moduleList(mods);
}

export const SYSTEM_COMMANDS = family('system', [
  { name: 'dg', syntax: 'dg FirstSelector [LastSelector]', help: 'GDT descriptors: base, limit, type, DPL, size, granularity, present, long', handler: displaySelectors },
  { name: '.reload', syntax: '.reload', help: 'accepted: the modeled modules\' symbols are always loaded', handler: () => 'Loading Kernel Symbols\nLoading User Symbols' },
  { name: '!pcr', syntax: '!pcr', help: 'processor control region of processor 0', handler: (s) => pcrCommand(s) },
  { name: '!idt', syntax: '!idt [Vector]', help: 'interrupt descriptor table: handlers and IST stacks', handler: idtCommand },
  { name: 'x', syntax: 'x Module!Pattern', help: 'examine symbols (wildcards * and ?)', handler: examine },
  { name: 'ln', syntax: 'ln [Address]', help: 'list the nearest symbols', handler: nearest },
  { name: 'lm', syntax: 'lm [m Pattern]', help: 'list loaded modules', handler: (s, a) => listModules(s, a) },
  { name: '!bpmap', syntax: '!bpmap Address [L Count]', help: "this book's extension (not WinDbg's): bp + g at each instruction, fresh boots, each machine option", handler: bpmapCommand },
]);
