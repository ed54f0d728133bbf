// Machine state as plain data: the scalar registers (saveScalars/loadScalars, shared with the
// undo journal) and compact snapshots of the whole machine with their binary encoding.

import type { Machine } from './machine.ts';

/** Number of scalars in the saved state (see saveScalars). */
export const NSCALAR = 56;
/** Index of `icount` in the scalar array (the journal treats it specially). */
export const SCALAR_ICOUNT = 51;

/** Scalar state (everything but GPRs and memory) into a Float64Array; all values are exact. */
export function saveScalars(m: Machine, out = new Float64Array(NSCALAR)): Float64Array {
  let i = 0;
  out[i++] = m.rip; out[i++] = m.rflags; out[i++] = m.cpl;
  for (let s = 0; s < 6; s++) { out[i++] = m.segSel[s]; out[i++] = m.segBase[s]; out[i++] = m.segLimit[s]; out[i++] = m.segAttr[s]; }
  out[i++] = m.gdtrBase; out[i++] = m.gdtrLimit; out[i++] = m.idtrBase; out[i++] = m.idtrLimit;
  out[i++] = m.trSel; out[i++] = m.trBase; out[i++] = m.trLimit; out[i++] = m.trAttr;
  out[i++] = m.cr0; out[i++] = m.cr2lo; out[i++] = m.cr2hi; out[i++] = m.cr3lo; out[i++] = m.cr3hi; out[i++] = m.cr4; out[i++] = m.cr8; out[i++] = m.efer;
  out[i++] = m.starLo; out[i++] = m.starHi; out[i++] = m.lstar; out[i++] = m.cstar; out[i++] = m.fmask; out[i++] = m.kernelGsBase; out[i++] = m.tscAux;
  out[i++] = m.mxcsr; out[i++] = m.icount; out[i++] = m.halted;
  out[i++] = m.tscOffset === 0n ? 0 : Number(BigInt.asIntN(64, m.tscOffset)); // no BigInt made per step
  out[i++] = m.ssShadow; out[i++] = m.dbHeld;
  return out;
}

export function loadScalars(m: Machine, a: Float64Array): void {
  let i = 0;
  m.rip = a[i++]; m.rflags = a[i++]; m.cpl = a[i++];
  for (let s = 0; s < 6; s++) { m.segSel[s] = a[i++]; m.segBase[s] = a[i++]; m.segLimit[s] = a[i++]; m.segAttr[s] = a[i++]; }
  m.gdtrBase = a[i++]; m.gdtrLimit = a[i++]; m.idtrBase = a[i++]; m.idtrLimit = a[i++];
  m.trSel = a[i++]; m.trBase = a[i++]; m.trLimit = a[i++]; m.trAttr = a[i++];
  m.cr0 = a[i++]; m.cr2lo = a[i++]; m.cr2hi = a[i++]; m.cr3lo = a[i++]; m.cr3hi = a[i++]; m.cr4 = a[i++]; m.cr8 = a[i++]; m.efer = a[i++];
  m.starLo = a[i++]; m.starHi = a[i++]; m.lstar = a[i++]; m.cstar = a[i++]; m.fmask = a[i++]; m.kernelGsBase = a[i++]; m.tscAux = a[i++];
  m.mxcsr = a[i++]; m.icount = a[i++]; m.halted = a[i++];
  m.tscOffset = BigInt(a[i++]);
  m.ssShadow = a[i++]; m.dbHeld = a[i++];
}

export interface Snapshot {
  version: 1;
  regs: Uint32Array;
  scalars: Float64Array;
  dr: bigint[];
  /** Physical pages that are not all zero: [page number, 4096 bytes]. */
  pages: Array<[number, Uint8Array]>;
  /** The processor's vendor when it is not Intel (a property of the machine, not of its state). */
  vendor?: 'amd';
}

export function takeSnapshot(m: Machine): Snapshot {
  const pages: Array<[number, Uint8Array]> = [];
  for (const [ppn, p] of m.phys.pages) if (p.data.some((b) => b !== 0)) pages.push([ppn, p.data.slice()]);
  pages.sort((a, b) => a[0] - b[0]);
  return { version: 1, regs: m.r.slice(), scalars: saveScalars(m), dr: m.dr.slice(), pages, ...(m.vendor === 'amd' ? { vendor: 'amd' as const } : {}) };
}

export function applySnapshot(m: Machine, s: Snapshot): void {
  if (s.version !== 1) throw new Error(`snapshot version ${String(s.version)} is not supported (expected 1)`);
  // Reuse page objects that exist in both (restoring often, e.g. per test case, stays cheap).
  const keep = new Set<number>();
  for (const [ppn, data] of s.pages) {
    const p = m.phys.pageForWrite(ppn);
    p.data.set(data);
    keep.add(ppn);
  }
  for (const [ppn, p] of m.phys.pages) if (!keep.has(ppn)) { p.data.fill(0); }
  m.r.set(s.regs);
  loadScalars(m, s.scalars);
  m.vendor = s.vendor ?? 'intel';
  for (let i = 0; i < 8; i++) m.dr[i] = s.dr[i] ?? 0n;
  m.debugRegistersChanged();
  m.invalidateCaches();
}

/** Binary form of a snapshot: header, registers, scalars, then each page as its number and a
 *  run-length coding of zero bytes (pages are mostly zero). For permalinks and Workers. */
export function encodeSnapshot(s: Snapshot): Uint8Array {
  const parts: Uint8Array[] = [];
  const head = new DataView(new ArrayBuffer(8));
  head.setUint32(0, 0x534e4150); head.setUint32(4, s.pages.length);
  parts.push(new Uint8Array(head.buffer), new Uint8Array(s.regs.slice().buffer), new Uint8Array(s.scalars.slice().buffer));
  const drb = new BigUint64Array(8); for (let i = 0; i < 8; i++) drb[i] = BigInt.asUintN(64, s.dr[i] ?? 0n);
  parts.push(new Uint8Array(drb.buffer));
  for (const [ppn, data] of s.pages) {
    const out: number[] = [];
    for (let i = 0; i < data.length;) {
      if (data[i] === 0) {
        let n = 0; while (i < data.length && data[i] === 0 && n < 255) { n++; i++; }
        out.push(0, n);
      } else { out.push(data[i]); i++; }
    }
    const h = new DataView(new ArrayBuffer(8));
    h.setFloat64(0, ppn);
    const len = new DataView(new ArrayBuffer(4)); len.setUint32(0, out.length);
    parts.push(new Uint8Array(h.buffer), new Uint8Array(len.buffer), Uint8Array.from(out));
  }
  const total = parts.reduce((a, p) => a + p.length, 0);
  const buf = new Uint8Array(total);
  let o = 0; for (const p of parts) { buf.set(p, o); o += p.length; }
  return buf;
}

export function decodeSnapshot(buf: Uint8Array): Snapshot {
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  if (buf.length < 8 || dv.getUint32(0) !== 0x534e4150) throw new Error('not a machine snapshot (bad magic)');
  const npages = dv.getUint32(4);
  let o = 8;
  const regs = new Uint32Array(buf.slice(o, o + 128).buffer); o += 128;
  const scalars = new Float64Array(buf.slice(o, o + NSCALAR * 8).buffer); o += NSCALAR * 8;
  const drb = new BigUint64Array(buf.slice(o, o + 64).buffer); o += 64;
  const pages: Array<[number, Uint8Array]> = [];
  for (let k = 0; k < npages; k++) {
    const ppn = dv.getFloat64(o); const len = dv.getUint32(o + 8); o += 12;
    const data = new Uint8Array(4096);
    let j = 0;
    for (const end = o + len; o < end;) {
      const b = buf[o++];
      if (b === 0) { j += buf[o++]; } else data[j++] = b;
    }
    pages.push([ppn, data]);
  }
  return { version: 1, regs, scalars, dr: Array.from(drb), pages };
}
