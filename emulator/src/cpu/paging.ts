// 4-level paging (SDM Vol. 3A §4.5), access rights (§4.6) and a small direct-mapped TLB (§4.10).
// Linear addresses are signed doubles holding canonical values; physical addresses are doubles.

import { PhysMemory, PhysPage, PAGE_SIZE, MAX_PHYS_BITS } from './memory.ts';
import { CR0_WP, CR4_SMAP, CR4_SMEP, EFER_NXE, AC, TWO32 } from './state.ts';

export const ACC_READ = 0, ACC_WRITE = 1, ACC_EXEC = 2;

// TLB entry flag bits: the rights combined over all levels (§4.6.1) and whether D is already set.
export const T_W = 1, T_U = 2, T_NX = 4, T_D = 8;

// #PF error code bits (SDM Vol. 3A §4.7, Figure 4-12).
export const PFE_P = 1, PFE_W = 2, PFE_U = 4, PFE_RSVD = 8, PFE_ID = 16;

export const TLB_SIZE = 256;

/** The machine state the paging unit reads. */
export interface PagingHost {
  phys: PhysMemory;
  cr0: number; cr3lo: number; cr3hi: number; cr4: number; efer: number;
  cpl: number; rflags: number;
}

export interface Translation { pa: number; user: boolean; writable: boolean; nx: boolean; }

export class Mmu {
  readonly tag = new Float64Array(TLB_SIZE).fill(NaN);
  readonly page: PhysPage[];
  readonly flags = new Uint8Array(TLB_SIZE);
  /** Results of the last successful walk. */
  wPa = 0; wFlags = 0;
  /** Physical address of the leaf entry of the last walk (the dirty flag is set there). */
  wLeaf = 0;
  readonly host: PagingHost;

  constructor(host: PagingHost) {
    this.host = host;
    this.page = new Array<PhysPage>(TLB_SIZE).fill(host.phys.zero);
  }

  /** Flush everything (MOV to CR3, CR0/CR4 paging bits: SDM Vol. 3A §4.10.4.1). */
  flush(): void { this.tag.fill(NaN); this.epoch++; }
  /** Bumped by every flush, so callers caching a translation know to re-check it. */
  epoch = 0;
  /** INVLPG (SDM Vol. 2A INVLPG; §4.10.4.1). */
  flushPage(la: number): void {
    const vpn = Math.floor(la / PAGE_SIZE);
    const i = vpn & (TLB_SIZE - 1);
    if (this.tag[i] === vpn) this.tag[i] = NaN;
    this.epoch++;
  }

  /** Walks the paging structures (§4.5, Figures 4-8 to 4-11). Returns 0 on success (wPa/wFlags
   *  hold the result), 1 if an entry is not present, 2 if a reserved bit is set. Accessed flags are
   *  set in every entry used when `setAD` is true (§4.8); the caller sets the dirty flag once a
   *  write is known to be allowed (`setDirty`). */
  walk(la: number, setAD: boolean): number {
    const h = this.host;
    const phys = h.phys;
    const lo = la >>> 0;
    const hi = Math.floor(la / TWO32) >>> 0;
    const nxe = (h.efer & EFER_NXE) !== 0;
    // Reserved: bits 51:MAXPHYADDR of every entry, XD when NXE=0 (§4.5.4, Table 4-20 notes).
    const rsvdHi = (((1 << (52 - 32)) - 1) & ~((1 << (MAX_PHYS_BITS - 32)) - 1)) | (nxe ? 0 : 0x80000000);
    let tableLo = h.cr3lo & 0xfffff000, tableHi = h.cr3hi & 0xfffff;
    let user = true, writable = true, nx = false;
    const idx = [(hi >>> 7) & 511, ((hi << 2) | (lo >>> 30)) & 511, (lo >>> 21) & 511, (lo >>> 12) & 511];
    for (let level = 0; level < 4; level++) {
      const ea = tableHi * TWO32 + tableLo + idx[level] * 8;
      const elo = phys.readU32(ea);
      const ehi = phys.readU32(ea + 4);
      if ((elo & 1) === 0) return 1;
      if (ehi & rsvdHi) return 2;
      const ps = (elo & 0x80) !== 0;
      if (level === 0 && ps) return 2; // PML4E.PS is reserved (§4.5.4)
      if ((elo & 2) === 0) writable = false;
      if ((elo & 4) === 0) user = false;
      if (nxe && (ehi & 0x80000000)) nx = true;
      const leaf = level === 3 || ps;
      if (setAD) {
        if (!(elo & 0x20)) phys.writeU32(ea, elo | 0x20); // accessed
      }
      const fHi = ehi & 0xfffff;
      if (leaf) {
        let pa: number;
        if (level === 3) {
          pa = fHi * TWO32 + (elo & 0xfffff000);
        } else if (level === 1) { // 1 GiB page: bits 29:13 reserved (Table 4-16)
          if (elo & 0x3fffe000) return 2;
          pa = fHi * TWO32 + (elo & 0xc0000000) + (lo & 0x3ffff000);
        } else { // 2 MiB page: bits 20:13 reserved (Table 4-18)
          if (elo & 0x1fe000) return 2;
          pa = fHi * TWO32 + (elo & 0xffe00000) + (lo & 0x1ff000);
        }
        this.wPa = pa;
        this.wLeaf = ea;
        this.wFlags = (writable ? T_W : 0) | (user ? T_U : 0) | (nx ? T_NX : 0) | (elo & 0x40 ? T_D : 0);
        return 0;
      }
      tableLo = elo & 0xfffff000; tableHi = fHi;
    }
    return 1;
  }

  /** Debugger view: translation without faults or A/D updates. */
  translate(la: number): Translation | null {
    if (this.walk(la, false) !== 0) return null;
    const f = this.wFlags;
    return { pa: this.wPa + (la - Math.floor(la / PAGE_SIZE) * PAGE_SIZE), user: (f & T_U) !== 0, writable: (f & T_W) !== 0, nx: (f & T_NX) !== 0 };
  }

  /** Sets D in the leaf entry of the last walk (§4.8: on the first write through it). */
  setDirty(): void {
    const phys = this.host.phys;
    const e = phys.readU32(this.wLeaf);
    if (!(e & 0x40)) phys.writeU32(this.wLeaf, e | 0x40);
    this.wFlags |= T_D;
  }

  /** Access-rights check (SDM Vol. 3A §4.6.1). `implicit` marks implicit supervisor-mode accesses
   *  (GDT, IDT, TSS), which are supervisor accesses at any CPL and always subject to SMAP. */
  allowed(f: number, access: number, implicit: boolean): boolean {
    const h = this.host;
    const userMode = h.cpl === 3 && !implicit;
    if (access === ACC_EXEC) {
      if (f & T_NX) return false;
      if (userMode) return (f & T_U) !== 0;
      return !((f & T_U) && (h.cr4 & CR4_SMEP));
    }
    if (userMode) {
      if (!(f & T_U)) return false;
      return access !== ACC_WRITE || (f & T_W) !== 0;
    }
    if ((f & T_U) && (h.cr4 & CR4_SMAP) && (implicit || !(h.rflags & AC))) return false;
    if (access === ACC_WRITE && !(f & T_W) && (h.cr0 & CR0_WP)) return false;
    return true;
  }

  /** Error code for a #PF (Figure 4-12): I/D only when SMEP or NXE is on. */
  errorCode(present: boolean, rsvd: boolean, access: number, implicit: boolean): number {
    const h = this.host;
    let e = present ? PFE_P : 0;
    if (rsvd) e |= PFE_RSVD | PFE_P;
    if (access === ACC_WRITE) e |= PFE_W;
    if (h.cpl === 3 && !implicit) e |= PFE_U;
    if (access === ACC_EXEC && ((h.cr4 & CR4_SMEP) || (h.efer & EFER_NXE))) e |= PFE_ID;
    return e;
  }
}
