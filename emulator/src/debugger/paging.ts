// The four-level walk kd's `!pte` and `!vtop` make over the target's physical memory: the same
// steps as the processor's (Intel SDM Vol. 3A §4.5, "4-Level Paging", Figures 4-8 to 4-11 and
// Tables 4-14 to 4-20), read-only (no accessed/dirty updates), starting from any directory base,
// so kd can show the kernel's hierarchy and the KVA-shadow user hierarchy side by side.

/** One paging-structure entry the walk read. */
export interface WalkStep {
  /** PML4E / PDPTE / PDE / PTE (the SDM's names); kd calls them PXE / PPE / PDE / PTE. */
  level: 0 | 1 | 2 | 3;
  /** Physical address of the entry. */
  pa: bigint;
  value: bigint;
  present: boolean;
  /** PS = 1 in a PDPTE or PDE: the entry maps a 1 GiB or 2 MiB page (SDM Tables 4-16, 4-18). */
  large: boolean;
}

export interface Walk {
  va: bigint;
  /** The directory base the walk started from (CR3 bits 51:12, SDM Table 4-12). */
  dirBase: bigint;
  steps: WalkStep[];
  /** Physical address `va` translates to, or null when an entry on the way is not present. */
  pa: bigint | null;
}

export type PhysReader = (pa: bigint, n: number) => Uint8Array;

const ADDR_MASK = 0x000ffffffffff000n; // bits 51:12 (MAXPHYADDR 52 at most; SDM §4.5.4)

function readQ(read: PhysReader, pa: bigint): bigint {
  const b = read(pa, 8);
  let v = 0n;
  for (let i = 7; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
  return v;
}

/** Index of `va` at each level: bits 47:39, 38:30, 29:21, 20:12 (SDM §4.5.4). */
export function indexes(va: bigint): [bigint, bigint, bigint, bigint] {
  return [(va >> 39n) & 0x1ffn, (va >> 30n) & 0x1ffn, (va >> 21n) & 0x1ffn, (va >> 12n) & 0x1ffn];
}

export function walk(read: PhysReader, dirBase: bigint, va: bigint): Walk {
  const steps: WalkStep[] = [];
  let table = dirBase & ADDR_MASK;
  const idx = indexes(va);
  for (let level = 0; level < 4; level++) {
    const pa = table + idx[level] * 8n;
    const value = readQ(read, pa);
    const present = (value & 1n) === 1n;
    const large = present && (level === 1 || level === 2) && (value & 0x80n) !== 0n;
    steps.push({ level: level as WalkStep['level'], pa, value, present, large });
    if (!present) return { va, dirBase, steps, pa: null };
    if (large) {
      const size = level === 1 ? 1n << 30n : 1n << 21n;
      return { va, dirBase, steps, pa: (value & ADDR_MASK & ~(size - 1n)) + (va & (size - 1n)) };
    }
    table = value & ADDR_MASK;
  }
  return { va, dirBase, steps, pa: table + (va & 0xfffn) };
}

/** Sign-extends bit 47 (canonical form, SDM §3.3.7.1). */
export function canonical(v: bigint): bigint {
  const x = BigInt.asUintN(48, v);
  return x & (1n << 47n) ? x | 0xffff000000000000n : x;
}

/** Self-map addresses of the four entries that map `va` (the PML4 entry at `index` pointing at
 *  the PML4 itself): PTE = base + (va[47:12] << 3), and the PDE, PPE, PXE are the PTEs of the
 *  addresses before them, as Windows' MiGetPteAddress family computes them. */
export function selfMapAddresses(pteBase: bigint, va: bigint): [bigint, bigint, bigint, bigint] {
  const pteOf = (a: bigint) => canonical(pteBase + ((BigInt.asUintN(48, a) >> 12n) << 3n));
  const pte = pteOf(va);
  const pde = pteOf(pte);
  const ppe = pteOf(pde);
  const pxe = pteOf(ppe);
  return [pxe, ppe, pde, pte];
}
