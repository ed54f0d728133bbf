// Sparse physical memory in 4 KiB pages. Pages are created on first write; reads of a page never
// written see zeros (a shared read-only zero page, so a wild page walk allocates nothing).

export const PAGE_SIZE = 4096;

export class PhysPage {
  readonly ppn: number;
  readonly data: Uint8Array;
  readonly dv: DataView;
  /** Cached decodes by page offset; dropped on any write to the page (SDM Vol. 3A §11.6 on
   *  self-modifying code: the processor sees the bytes as written). */
  code: unknown[] | null = null;
  constructor(ppn: number) {
    this.ppn = ppn;
    this.data = new Uint8Array(PAGE_SIZE);
    this.dv = new DataView(this.data.buffer);
  }
}

/** Largest physical address the model accepts (MAXPHYADDR = 46, reported by CPUID 80000008h). */
export const MAX_PHYS_BITS = 46;
const MAX_PPN = 2 ** (MAX_PHYS_BITS - 12);

export class PhysMemory {
  readonly pages = new Map<number, PhysPage>();
  /** Shared zero page for reads of untouched memory; never written. */
  readonly zero = new PhysPage(-1);
  /** Called with the page and offset range before bytes change (undo journal). */
  onBeforeWrite: ((page: PhysPage, offset: number, length: number) => void) | null = null;
  /** Called when a page is created (translations cached against the zero page go stale). */
  onAllocate: (() => void) | null = null;

  pageForRead(ppn: number): PhysPage {
    return this.pages.get(ppn) ?? this.zero;
  }
  pageForWrite(ppn: number): PhysPage {
    let p = this.pages.get(ppn);
    if (!p) {
      if (ppn < 0 || ppn >= MAX_PPN) throw new RangeError(`physical page ${ppn.toString(16)} beyond MAXPHYADDR`);
      p = new PhysPage(ppn);
      this.pages.set(ppn, p);
      if (this.onAllocate) this.onAllocate();
    }
    return p;
  }

  /** Reads n bytes at physical address pa (API form: bigint). */
  read(pa: bigint | number, n: number): Uint8Array {
    const out = new Uint8Array(n);
    let a = Number(pa);
    for (let i = 0; i < n;) {
      const p = this.pageForRead(Math.floor(a / PAGE_SIZE));
      const off = a % PAGE_SIZE;
      const k = Math.min(n - i, PAGE_SIZE - off);
      out.set(p.data.subarray(off, off + k), i);
      i += k; a += k;
    }
    return out;
  }

  write(pa: bigint | number, bytes: ArrayLike<number>): void {
    let a = Number(pa);
    const src = bytes instanceof Uint8Array ? bytes : Uint8Array.from(bytes);
    for (let i = 0; i < src.length;) {
      const p = this.pageForWrite(Math.floor(a / PAGE_SIZE));
      const off = a % PAGE_SIZE;
      const k = Math.min(src.length - i, PAGE_SIZE - off);
      if (this.onBeforeWrite) this.onBeforeWrite(p, off, k);
      p.data.set(src.subarray(i, i + k), off);
      p.code = null;
      i += k; a += k;
    }
  }

  /** 32-bit little-endian read at a physical address (page walks; never crosses a page since
   *  paging entries are 8-byte aligned). */
  readU32(pa: number): number {
    const p = this.pageForRead(Math.floor(pa / PAGE_SIZE));
    return p.dv.getUint32(pa % PAGE_SIZE, true);
  }
  writeU32(pa: number, v: number): void {
    const p = this.pageForWrite(Math.floor(pa / PAGE_SIZE));
    const off = pa % PAGE_SIZE;
    if (this.onBeforeWrite) this.onBeforeWrite(p, off, 4);
    p.dv.setUint32(off, v >>> 0, true);
    p.code = null;
  }

  /** Drops all cached decodes (hooks changed, or state restored). */
  dropDecodes(): void {
    for (const p of this.pages.values()) p.code = null;
  }
}
