// Layouts of `!pte` and `!vtop` on an x64 target.
//
// `!pte` (kdexts): a header line with the address right-aligned over the four columns, then the
// four entries as columns 27 characters wide: `PXE at <self-map address>`, `contains <entry>`,
// `pfn <page frame>` and the flag string; after a level that is not present its column says
// `not valid` and the levels below it show only their addresses. Transcript: volatility3 pull
// request #475 (Windows 10 1909, `1: kd> !pte 246af810000`, PXE at FFFFE3F1F8FC7020 ... pfn 59b75
// ---DA--UW-V ... not valid); the header of an address whose PXE kd could not read: GuardMon
// issue #2 (Windows 10 14316, PXE at FFFFF6FB7DBED000). Flag string, 11 characters: C (copy on
// write, a Windows software bit), G (global), L (large page), D (dirty), A (accessed), N (cache
// disabled), T (write-through), U/K (owner), W/R (writable), E/- (executable: NX clear), V (valid);
// Microsoft's !pte page shows the x86 form (`G-DA--KWV`). The model never sets C, G, N or T.
//
// `!vtop` (kdexts): `Amd64VtoP:` lines naming each entry's physical address, then one sentence;
// 16-digit addresses as in the transcript of libvmi pull request #1071 (`!vtop 16e800000
// 0x00007ff8d1f4b000`); a walk that meets an empty entry ends with `Amd64VtoP: zero PTE` and
// `Virtual address ... translation fails, error 0xD0000147.` as in the 2019 transcript of
// LycorisGuard's post on KVA shadow (`!vtop 0x31aa0000 fffff803e70f8f80`, the user page tables).

import type { Walk, WalkStep } from '../paging.ts';

const H16 = (v: bigint) => v.toString(16).padStart(16, '0');
const COL = 27;
const KD_NAMES = ['PXE', 'PPE', 'PDE', 'PTE'] as const;
const VTOP_NAMES = ['PML4E', 'PDPE', 'PDE', 'PTE'] as const;

/** The 11-character flag string of an entry (see the header comment for each position). */
export function pteFlags(e: bigint, level: number): string {
  const bit = (n: bigint) => ((e >> n) & 1n) === 1n;
  return [
    bit(9n) ? 'C' : '-',
    bit(8n) && level > 0 ? 'G' : '-',
    (level === 1 || level === 2) && bit(7n) ? 'L' : '-',
    bit(6n) ? 'D' : '-',
    bit(5n) ? 'A' : '-',
    bit(4n) ? 'N' : '-',
    bit(3n) ? 'T' : '-',
    bit(2n) ? 'U' : 'K',
    bit(1n) ? 'W' : 'R',
    bit(63n) ? '-' : 'E',
    bit(0n) ? 'V' : '-',
  ].join('');
}

function columns(cells: string[]): string {
  return cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(COL))).join('').trimEnd();
}

/** The four `!pte` lines for one walk. `at` gives each entry's address as kd prints it (the
 *  self-map address, or for a hierarchy without one the physical address with a `#`). */
export function pteBlock(w: Walk, at: readonly string[]): string {
  const header = `${' '.repeat(43)}VA ${H16(w.va)}`;
  const names = columns(KD_NAMES.map((n, i) => `${n} at ${at[i]}`));
  const contains: string[] = [];
  const pfns: string[] = [];
  for (const s of w.steps) {
    contains.push(`contains ${H16(s.value).toUpperCase()}`);
    pfns.push(s.present ? `pfn ${((s.value & 0x000ffffffffff000n) >> 12n).toString(16).padEnd(10)}${pteFlags(s.value, s.level)}` : 'not valid');
    if (!s.present || s.large) break;
  }
  return [header, names, columns(contains), columns(pfns)].join('\n');
}

function vtopLine(s: WalkStep): string {
  return `Amd64VtoP: ${VTOP_NAMES[s.level]} ${H16(s.pa)}`;
}

export function vtopBlock(w: Walk): string {
  const lines = [`Amd64VtoP: Virt ${H16(w.va)}, pagedir ${H16(w.dirBase)}`];
  for (const s of w.steps) {
    lines.push(vtopLine(s));
    if (!s.present) {
      lines.push(`Amd64VtoP: zero ${VTOP_NAMES[s.level]}`);
      lines.push(`Virtual address ${w.va.toString(16)} translation fails, error 0xD0000147.`);
      return lines.join('\n');
    }
    if (s.large) {
      lines.push(`Amd64VtoP: Large page mapped phys ${H16(w.pa!)}`);
      lines.push(`Virtual address ${w.va.toString(16)} translates to physical address ${w.pa!.toString(16)}.`);
      return lines.join('\n');
    }
  }
  lines.push(`Amd64VtoP: Mapped phys ${H16(w.pa!)}`);
  lines.push(`Virtual address ${w.va.toString(16)} translates to physical address ${w.pa!.toString(16)}.`);
  return lines.join('\n');
}
