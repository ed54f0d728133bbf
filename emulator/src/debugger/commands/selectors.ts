// `dg FirstSelector [LastSelector]` (Display Selector): the GDT's descriptors as kd lays them out
// on x64, decoded per SDM Vol. 3A §3.4.5 (Figure 3-8: base, limit, type, S, DPL, P, AVL, L, D/B, G)
// and §8.2.3 (the 16-byte TSS descriptor of IA-32e mode). Layout from public kd transcripts of
// `dg 10 50` (cited in tests/unit/kd-system.test.ts).

import { PlainError } from '../errors.ts';
import { addr64, hexN } from '../format.ts';
import type { KdSession } from '../session.ts';
import { oneValue, readLE } from './args.ts';
import type { CommandContext } from './command.ts';

const HEADER = [
  `${' '.repeat(52)}P Si Gr Pr Lo`,
  'Sel        Base              Limit          Type    l ze an es ng Flags',
  '---- ----------------- ----------------- ---------- - -- -- -- -- --------',
];

function typeText(desc: bigint): string {
  const type = Number((desc >> 40n) & 0xfn);
  const system = ((desc >> 44n) & 1n) === 0n;
  const present = ((desc >> 47n) & 1n) === 1n;
  if (!present) return '<Reserved>';
  if (system) {
    // IA-32e system types (SDM Vol. 3A Table 3-2): 2 LDT, 9 available / B busy 64-bit TSS.
    return ({ 2: 'LDT', 9: 'TSS32 Avl', 0xb: 'TSS32 Busy', 0xc: 'CallGate32', 0xe: 'Int Gate32', 0xf: 'TrapGate32' } as Record<number, string>)[type] ?? '<Reserved>';
  }
  const acc = type & 1 ? 'Ac' : '  ';
  if (type & 8) return `Code ${type & 2 ? 'RE' : 'EO'} ${acc}`;
  return `Data ${type & 2 ? 'RW' : 'RO'} ${acc}`;
}

function line(s: KdSession, gdt: bigint, selector: number): string {
  const at = gdt + BigInt(selector & ~7);
  const b = s.machine.readVirtual(at, 8);
  if (!b) return `${hexN(selector, 4)} Unable to get descriptor`;
  const desc = readLE(b);
  const system = ((desc >> 44n) & 1n) === 0n;
  let base = ((desc >> 16n) & 0xffffffn) | (((desc >> 56n) & 0xffn) << 24n);
  if (system && ((desc >> 47n) & 1n)) {
    const high = s.machine.readVirtual(at + 8n, 4);
    if (high) base |= readLE(high) << 32n;
  }
  let limit = (desc & 0xffffn) | (((desc >> 48n) & 0xfn) << 16n);
  const g = (desc >> 55n) & 1n;
  if (g) limit = (limit << 12n) | 0xfffn;
  const bit = (n: bigint) => ((desc >> n) & 1n) === 1n;
  const present = bit(47n);
  const flags = Number(((desc >> 40n) & 0xffn) | (((desc >> 52n) & 0xfn) << 8n));
  return [
    hexN(selector, 4).toUpperCase(), addr64(present ? base : 0n), addr64(present ? limit : 0n), typeText(desc).padEnd(10),
    String(Number((desc >> 45n) & 3n)), bit(54n) ? 'Bg' : 'Nb', g ? 'Pg' : 'By', present ? 'P ' : 'Np', bit(53n) ? 'Lo' : 'Nl',
    hexN(flags, 8),
  ].join(' ');
}

export function displaySelectors(s: KdSession, args: string, ctx: CommandContext): string {
  const tables = s.machine.tables?.();
  if (!tables) throw new PlainError('The target does not expose its descriptor tables.');
  const r = s.evalPrefix(args);
  const first = Number(r.value & 0xffffn);
  const last = r.rest.trim() === '' ? first : Number(oneValue(s, r.rest, ctx) & 0xffffn);
  const out = [...HEADER];
  for (let sel = first, n = 0; sel <= last && n < 256; sel += 8, n++) {
    out.push((sel | 7) > tables.gdtr.limit ? `${hexN(sel, 4)} Selector is beyond the GDT limit` : line(s, tables.gdtr.base, sel));
  }
  return out.join('\n');
}
