// The fuzzer's world, shared by the generator and the runner over `Machine`: a user-mode arena of
// eight 4 KiB pages at 10000000h whose permissions each case chooses (the native runner maps the
// same pages with mmap/mprotect), a supervisor area with GDT, IDT and TSS the way Linux lays out
// what user code can observe (CS 33h, SS 2Bh, null DS/ES/FS/GS; INT3 and INTO gates of DPL 3,
// every other gate DPL 0), EFER.NXE on as Linux sets it, and TF set so that the processor and the
// model both trap after every instruction.

import { Machine, PageTableBuilder, buildSystemTables, MSR_EFER } from '../../../emulator/src/cpu/index.ts';

export const ARENA = 0x10000000;
export const PAGES = 8;
export const PAGE = 4096;
export const ARENA_END = ARENA + PAGES * PAGE;
export const MAX_RECORDS = 200;
export const TF = 0x100, RF = 0x10000;

/** x read/write/execute, e read/execute, w read/write, r read only, n not present. */
export type Perm = 'x' | 'e' | 'w' | 'r' | 'n';

export interface FuzzCase {
  id: string;
  perms: string;
  seed: bigint;
  /** Offset of the first instruction in the arena. */
  codeOff: number;
  code: Uint8Array;
  rflags: number;
  /** rax, rcx, rdx, rbx, rsp, rbp, rsi, rdi, r8..r15. */
  regs: bigint[];
  /** Stop after this many instructions (0: run to the end). */
  limit?: number;
  /** Bytes written over the random ones before the code (a minimised case's memory). */
  patches?: Array<[number, Uint8Array]>;
}

export const GPRS = ['rax', 'rcx', 'rdx', 'rbx', 'rsp', 'rbp', 'rsi', 'rdi', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15'];

/** High 32 bits of the unsigned product of two 32-bit numbers. */
function mulhi(a: number, b: number): number {
  const a0 = a & 0xffff, a1 = a >>> 16, b0 = b & 0xffff, b1 = b >>> 16;
  const lo = a0 * b0, m1 = a1 * b0, m2 = a0 * b1;
  const mid = (lo >>> 16) + (m1 & 0xffff) + (m2 & 0xffff);
  return (a1 * b1 + (m1 >>> 16) + (m2 >>> 16) + Math.floor(mid / 65536)) >>> 0;
}

/** The arena's initial bytes: splitmix64 from the seed, little-endian (native-runner.c `sm`),
 *  in 32-bit halves (this runs for every case). */
export function arenaBytes(seed: bigint): Uint8Array {
  const hit = recent.get(seed);
  if (hit) return hit.slice();
  const out = fillArena(seed);
  if (recent.size >= 4) recent.delete(recent.keys().next().value!);
  recent.set(seed, out);
  return out.slice();
}
const recent = new Map<bigint, Uint8Array>();

function fillArena(seed: bigint): Uint8Array {
  const out = new Uint8Array(PAGES * PAGE);
  const w = new Uint32Array(out.buffer); // little-endian host (x86-64)
  let sh = Number((seed >> 32n) & 0xffffffffn), sl = Number(seed & 0xffffffffn);
  for (let i = 0; i < out.length; i += 8) {
    const t = sl + 0x7f4a7c15;
    sl = t >>> 0; sh = (sh + 0x9e3779b9 + (t > 0xffffffff ? 1 : 0)) >>> 0;
    let zh = sh, zl = sl;
    // z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
    let xl = (zl ^ ((zl >>> 30) | (zh << 2))) >>> 0, xh = (zh ^ (zh >>> 30)) >>> 0;
    zl = Math.imul(xl, 0x1ce4e5b9) >>> 0;
    zh = (mulhi(xl, 0x1ce4e5b9) + Math.imul(xl, 0xbf58476d) + Math.imul(xh, 0x1ce4e5b9)) >>> 0;
    // z = (z ^ (z >> 27)) * 0x94d049bb133111eb
    xl = (zl ^ ((zl >>> 27) | (zh << 5))) >>> 0; xh = (zh ^ (zh >>> 27)) >>> 0;
    zl = Math.imul(xl, 0x133111eb) >>> 0;
    zh = (mulhi(xl, 0x133111eb) + Math.imul(xl, 0x94d049bb) + Math.imul(xh, 0x133111eb)) >>> 0;
    // z ^ (z >> 31)
    w[i >> 2] = zl ^ ((zl >>> 31) | (zh << 1));
    w[(i >> 2) + 1] = zh ^ (zh >>> 31);
  }
  return out;
}

/** The case's complete initial arena: random bytes with the code written over them. */
export function initialImage(c: FuzzCase): Uint8Array {
  let img = images.get(c);
  if (!img) {
    img = arenaBytes(c.seed);
    for (const [off, b] of c.patches ?? []) img.set(b, off);
    img.set(c.code, c.codeOff);
    images.set(c, img);
  }
  return img.slice();
}
/** Each case's image, computed once (a case is not changed after it is generated). */
const images = new WeakMap<FuzzCase, Uint8Array>();

export function caseLine(c: FuzzCase): string {
  const hex = [...c.code].map((b) => b.toString(16).padStart(2, '0')).join('');
  const patches = (c.patches ?? []).map(([o, b]) => `${o.toString(16)}:${toHex(b)}`).join(',') || '-';
  return `C ${c.id} ${c.perms} ${c.seed.toString(16)} ${c.codeOff.toString(16)} ${hex} ${c.rflags.toString(16)} ${c.regs.map((r) => r.toString(16)).join(' ')} ${c.limit ?? 0} ${patches}`;
}

export function toHex(b: Uint8Array): string { return [...b].map((x) => x.toString(16).padStart(2, '0')).join(''); }
export function fromHex(h: string): Uint8Array { return Uint8Array.from(h.match(/../g) ?? [], (x) => Number.parseInt(x, 16)); }

/** Parses a `C` line back into a case (the regression file stores them). */
export function parseCaseLine(line: string): FuzzCase {
  const f = line.trim().split(/\s+/);
  if (f[0] !== 'C' || f.length !== 25) throw new Error(`not a case line: ${line}`);
  const patches: Array<[number, Uint8Array]> = f[24] === '-' ? [] : f[24].split(',').map((p) => { const [o, h] = p.split(':'); return [Number.parseInt(o, 16), fromHex(h)]; });
  return {
    id: f[1], perms: f[2], seed: BigInt('0x' + f[3]), codeOff: Number.parseInt(f[4], 16), code: fromHex(f[5]),
    rflags: Number.parseInt(f[6], 16), regs: f.slice(7, 23).map((x) => BigInt('0x' + x)), limit: Number(f[23]), patches,
  };
}

const K = 0xfffff80000000000n;
const GDT = K, IDT = K + 0x1000n, TSS = K + 0x2000n, STUBS = K + 0x8000n, KSTACK_TOP = K + 0x14000n;
const ARENA_PA = 0x400000;

/** One machine reused for every case: `load` rewrites the arena's page-table entries, bytes and
 *  registers. */
export class FuzzWorld {
  readonly m: Machine;
  private readonly pteAt: number[] = [];

  constructor(journal = 0) {
    const m = new Machine({ deliverExceptions: false, journal });
    this.m = m;
    const pt = new PageTableBuilder(m, 0x100000n, 0x80000n);
    pt.map(K, 0x10000n, 0x3000, {});
    pt.map(STUBS, 0x18000n, 0x1000, {});
    pt.map(KSTACK_TOP - 0x4000n, 0x30000n, 0x4000, {});
    pt.map(BigInt(ARENA), BigInt(ARENA_PA), PAGES * PAGE, { user: true });
    pt.activate();
    const stubs = new Uint8Array(0x1000).fill(0xf4);
    m.writeVirtual(STUBS, stubs);
    // Linux's IDT: #BP (3) and #OF (4) are reachable from user mode; INT 80h is a system call
    // there and is never generated.
    const gates = [];
    for (let v = 0; v < 256; v++) gates.push({ vector: v, handler: STUBS + BigInt(v * 16), dpl: v === 3 || v === 4 || v === 0x80 ? 3 : 0 });
    buildSystemTables(m, { gdt: GDT, idt: IDT, tss: TSS, rsp0: KSTACK_TOP, gates });
    m.writeMsr(MSR_EFER, 0xd01n); // SCE LME LMA NXE
    for (let p = 0; p < PAGES; p++) this.pteAt.push(leafEntry(m, pt.pml4, ARENA + p * PAGE));
    m.setCr(4, m.getCr(4) | (1n << 16n)); // CR4.FSGSBASE, as Linux sets it
    m.setCr(0, m.getCr(0) | (1n << 18n)); // CR0.AM, as Linux sets it: #AC with RFLAGS.AC at CPL 3
    m.loadSeg('cs', 0x33);
    m.loadSeg('ss', 0x2b);
    for (const s of ['ds', 'es', 'fs', 'gs']) m.setSegRaw(s, { selector: 0, base: 0n, limit: 0xffffffff, attributes: 0x1c093 });
  }

  /** Loads a case: page rights, bytes, registers, RIP at the code, RFLAGS with TF. */
  load(c: FuzzCase, image = initialImage(c)): void {
    const m = this.m;
    for (let p = 0; p < PAGES; p++) {
      const perm = c.perms[p] as Perm;
      const pa = ARENA_PA + p * PAGE;
      const lo = perm === 'n' ? 0 : (pa | 1 | 4 | (perm === 'x' || perm === 'w' ? 2 : 0)) >>> 0;
      const hi = perm === 'x' || perm === 'e' || perm === 'n' ? 0 : 0x80000000;
      const dv = new DataView(new ArrayBuffer(8));
      dv.setUint32(0, lo, true); dv.setUint32(4, hi, true);
      m.phys.write(this.pteAt[p], new Uint8Array(dv.buffer));
    }
    m.phys.write(ARENA_PA, image);
    m.invalidateCaches();
    m.loadSeg('cs', 0x33);
    m.loadSeg('ss', 0x2b);
    m.halted = 0;
    for (const sr of ['ds', 'es', 'fs', 'gs']) m.setSegRaw(sr, { selector: 0, base: 0n, limit: 0xffffffff, attributes: 0x1c093 });
    c.regs.forEach((v, i) => m.setReg(GPRS[i], v));
    m.setReg('rip', BigInt(ARENA + c.codeOff));
    m.rflags = (c.rflags | TF | 2) >>> 0;
    m.setCr(2, 0n);
    m.mxcsr = 0x1f80;
    m.events.clear();
  }

  /** The arena's bytes now (physical: not-present pages included). */
  arena(): Uint8Array { return this.m.phys.read(ARENA_PA, PAGES * PAGE); }
}

/** Physical address of the page-table entry that maps `la` (4-level walk, SDM Vol. 3A §4.5). */
function leafEntry(m: Machine, pml4: number, la: number): number {
  let table = pml4;
  const idx = [Math.floor(la / 2 ** 39) & 511, Math.floor(la / 2 ** 30) & 511, Math.floor(la / 2 ** 21) & 511, Math.floor(la / 2 ** 12) & 511];
  for (let level = 0; level < 3; level++) table = (m.phys.readU32(table + idx[level] * 8) & 0xfffff000) >>> 0;
  return table + idx[3] * 8;
}

/** Differences between two arena images, in the native runner's `M` format. */
export function memDiff(before: Uint8Array, after: Uint8Array): string {
  const parts: string[] = [];
  const b32 = new Uint32Array(before.buffer, before.byteOffset, before.length >> 2);
  const a32 = new Uint32Array(after.buffer, after.byteOffset, after.length >> 2);
  for (let i = 0; i < after.length;) {
    if ((i & 3) === 0 && a32[i >> 2] === b32[i >> 2]) { i += 4; continue; }
    if (after[i] === before[i]) { i++; continue; }
    let j = i;
    while (j < after.length && after[j] !== before[j]) j++;
    let h = '';
    for (let t = i; t < j; t++) h += after[t].toString(16).padStart(2, '0');
    parts.push(`${i.toString(16)}:${h}`);
    i = j;
  }
  return parts.join(' ');
}
