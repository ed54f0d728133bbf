// The undo journal: exact step back over a bounded window of history (time travel).
//
// An entry covers one step (one instruction, or one event delivery) plus whatever a debugger
// changed before the next step began, and holds only what changed: the old value of each register
// half and scalar that differs, the old bytes of each memory write (with its linear address, so
// reverse execution can match data breakpoints), the old DRn, the event-log length, and the #DB/#BP
// handler frames the step opened or closed. The entry is closed lazily, when the next one begins
// or on undo, by comparing the machine with the copy taken at `begin`.
//
// Entries are Uint32 words in 1 MiB chunks: [length, meta, records..., length], so the last entry
// is found from the end. The window is bounded: once more than `capacity` entries are held, whole
// chunks of the oldest are dropped. A typical instruction costs 10-16 words (40-64 bytes).
//
// Handler frames: the journal counts the #DB and #BP deliveries whose IRETQ has not run yet (a
// frame closes when an IRETQ starts with RSP at the frame the delivery pushed). A step taken with
// none open is the debuggee's own; one taken inside is the debugger's path (the trap handler, the
// report, the return). Positions (`position`) count the debuggee's retired instructions, so they do
// not depend on how often a debugger stopped on the way.

import type { Machine } from './machine.ts';
import type { PhysPage } from './memory.ts';
import { saveScalars, loadScalars, NSCALAR, SCALAR_ICOUNT } from './snapshot.ts';

const CHUNK_WORDS = 1 << 18;
const K_GPR = 1, K_SCALAR = 2, K_RIP = 3, K_MEM = 4, K_DR = 5, K_EVENTS = 6, K_FRAME = 7;
/** meta bits: the step retired an instruction; the entry continues the previous step (a trap
 *  delivered after its instruction); handler frames open at begin in bits 8 and up. */
const M_RETIRED = 1, M_CONTINUES = 2, M_OPENS = 4;
const NO_LA = 0x7fffffff; // high word of "no linear address" (a debugger's physical write)

/** What one entry did, as reverse execution needs it. */
export interface EntryInfo {
  /** #DB/#BP handler frames open before the entry (0: the debuggee's own step). */
  framesBefore: number;
  /** The entry retired an instruction of the debuggee (with no handler frame open; an INT3 does
   *  not count: it is a breakpoint). */
  retired: boolean;
  /** Linear ranges the entry wrote, [address, length] (signed canonical doubles). */
  writes: Array<[number, number]>;
}

export class Journal {
  private readonly m: Machine;
  capacity: number;
  private chunks: Uint32Array[] = [];
  private counts: number[] = [];
  /** Debuggee instructions retired per chunk (for the position at the window's start). */
  private retiredIn: number[] = [];
  private retiredTotal = 0;
  private spare: Uint32Array | null = null;
  private used = 0;
  private entries = 0;
  /** Absolute index of the current boundary (entries recorded since `enable`, minus undone). */
  private index = 0;
  /** Absolute index of the current boundary, settled (entries recorded minus undone). */
  get current(): number { this.settle(); return this.index; }
  /** Debuggee instructions retired since `enable` (see header); `position` settles first. */
  private pos = 0;
  get position(): number { this.settle(); return this.pos; }
  /** The open entry: state copied at begin, records gathered since. */
  private open = false;
  private readonly prevR = new Uint32Array(32);
  private prevS = new Float64Array(NSCALAR);
  private curS = new Float64Array(NSCALAR);
  private readonly prevDr: bigint[] = [];
  private prevEvents = 0;
  private prevDrWrites = 0;
  private drCopied = -1;
  private prevFrames = 0;
  private prevMeta = 0;
  private rec = new Uint32Array(256);
  private recLen = 0;
  /** While true, memory writes are not journaled (a debugger planting its breakpoints). */
  paused = false;

  get on(): boolean { return this.capacity > 0; }
  /** Entries that can be undone. */
  get depth(): number { this.settle(); return this.entries; }

  constructor(m: Machine, capacity: number) {
    this.m = m;
    this.capacity = capacity;
    m.phys.onBeforeWrite = (p, off, len) => { if (this.open && !this.paused) this.recordBytes(p, off, len, NaN); };
  }

  /** Turns the journal on with room for `steps` steps (0 turns it off); forgets the history. */
  enable(steps: number): void { this.capacity = steps; this.clear(); }

  /** Forgets the history (after the machine's state was replaced). */
  clear(): void {
    this.chunks = []; this.counts = []; this.retiredIn = []; this.retiredTotal = 0; this.drCopied = -1;
    this.used = 0; this.entries = 0; this.open = false;
    this.index = 0; this.pos = 0; this.recLen = 0;
    this.m.dbFrames.length = 0;
  }

  /** The debuggee position at the window's start. */
  get startPosition(): number { this.settle(); return this.pos - this.retiredTotal; }

  /** Bytes held by the history (chunks allocated). */
  get bytes(): number { return (this.chunks.length + (this.spare ? 1 : 0)) * CHUNK_WORDS * 4; }

  /** Opens an entry for a step; `continues` marks a trap delivered after the step's instruction. */
  begin(continues = false): void {
    const m = this.m;
    // Closing compares the machine with the copy taken at begin; the state it read is the new
    // entry's starting state, so the scalar arrays swap instead of being read again.
    if (this.open) { this.close(); const t = this.prevS; this.prevS = this.curS; this.curS = t; }
    else saveScalars(m, this.prevS);
    this.prevR.set(m.r);
    this.prevDrWrites = m.drWrites;
    if (this.prevDrWrites !== this.drCopied) { for (let i = 0; i < 8; i++) this.prevDr[i] = m.dr[i]; this.drCopied = this.prevDrWrites; }
    this.prevEvents = m.events.total;
    this.prevFrames = m.dbFrames.length;
    this.prevMeta = (continues ? M_CONTINUES : 0) | (this.prevFrames << 8);
    this.recLen = 0;
    this.open = true;
  }

  /** Records the old bytes of a write about to happen (`la`: its linear address, or NaN). */
  recordBytes(p: PhysPage, off: number, len: number, la: number): void {
    if (!this.open || this.paused || p.ppn < 0) return;
    const words = 4 + ((len + 3) >> 2);
    this.reserve(words);
    const r = this.rec;
    let k = this.recLen;
    r[k++] = (K_MEM << 28) | ((len - 1) << 12) | off;
    r[k++] = p.ppn;
    if (la === la) { r[k++] = la >>> 0; r[k++] = Math.floor(la / 4294967296) | 0; } else { r[k++] = 0; r[k++] = NO_LA; }
    const d = p.data;
    for (let i = 0; i < len; i += 4) {
      r[k++] = d[off + i] | ((i + 1 < len ? d[off + i + 1] : 0) << 8) | ((i + 2 < len ? d[off + i + 2] : 0) << 16) | ((i + 3 < len ? d[off + i + 3] : 0) << 24);
    }
    this.recLen = k;
  }

  private reserve(words: number): void {
    if (this.recLen + words <= this.rec.length) return;
    const n = new Uint32Array(Math.max(this.rec.length * 2, this.recLen + words));
    n.set(this.rec.subarray(0, this.recLen));
    this.rec = n;
  }

  /** Closes the open entry: compares the machine with its state at begin and stores the diff. */
  private close(): void {
    this.open = false;
    const m = this.m;
    this.reserve(64 + 3 * NSCALAR + 64);
    const r = this.rec;
    let k = this.recLen;
    const pr = this.prevR, cr = m.r;
    for (let i = 0; i < 32; i++) if (pr[i] !== cr[i]) { r[k++] = (K_GPR << 28) | i; r[k++] = pr[i]; }
    const ps = this.prevS;
    const cs = saveScalars(m, this.curS);
    let meta = this.prevMeta;
    for (let j = 0; j < NSCALAR; j++) {
      const old = ps[j];
      if (old === cs[j]) continue;
      if (j === SCALAR_ICOUNT && cs[j] === old + 1) { meta |= M_RETIRED; continue; }
      if (j === 0 && Math.abs(old - cs[0]) < 2147483648) { r[k++] = K_RIP << 28; r[k++] = (old - cs[0]) | 0; continue; }
      r[k++] = (K_SCALAR << 28) | j; r[k++] = old >>> 0; r[k++] = Math.floor(old / 4294967296) | 0;
    }
    for (let i = 0; m.drWrites !== this.prevDrWrites && i < 8; i++) {
      const old = this.prevDr[i];
      if (old !== m.dr[i]) { r[k++] = (K_DR << 28) | i; r[k++] = Number(old & 0xffffffffn) >>> 0; r[k++] = Number(old >> 32n) >>> 0; }
    }
    if (m.events.total !== this.prevEvents) {
      r[k++] = K_EVENTS << 28; r[k++] = this.prevEvents;
      this.recLen = k;
      const framesBefore = m.dbFrames.length;
      k = this.trackFrames(k);
      // An INT3 (or INT1) delivers its own #BP/#DB: it is the debugger's breakpoint, not a step of
      // the debuggee (kd reports the breakpoint at the instruction the int 3 stands on).
      if (m.dbFrames.length > framesBefore) meta |= M_OPENS;
    }
    if (k === 0 && !(meta & M_RETIRED)) return; // nothing changed: no entry
    if (debuggeeRetired(meta)) this.pos++;
    this.store(meta, k);
  }

  /** Closes the open entry and opens a continuation, so that a reader sees settled state (the
   *  handler-frame count) and later debugger writes are still recorded. */
  settle(): void {
    if (!this.open) return;
    this.close();
    this.begin(true);
  }

  /** #DB/#BP handler frames open now (0: the machine is in the debuggee's own code). */
  get frames(): number { this.settle(); return this.m.dbFrames.length; }

  /** #DB/#BP deliveries open a handler frame; the IRETQ that pops it closes it (see header). */
  private trackFrames(k: number): number {
    const m = this.m;
    const r = this.rec;
    const rspAtBegin = (this.prevR[9] | 0) * 4294967296 + this.prevR[8];
    for (const e of m.events.since(this.prevEvents)) {
      if (e.kind === 'exception-delivered' && (e.vector === 1 || e.vector === 3)) {
        m.dbFrames.push(Number(BigInt.asIntN(64, e.rsp)));
        r[k++] = (K_FRAME << 28); r[k++] = 0; r[k++] = 0;
      } else if (e.kind === 'iretq' && m.dbFrames.length > 0 && m.dbFrames[m.dbFrames.length - 1] === rspAtBegin) {
        const top = m.dbFrames.pop()!;
        r[k++] = (K_FRAME << 28) | 1; r[k++] = top >>> 0; r[k++] = Math.floor(top / 4294967296) | 0;
      }
    }
    return k;
  }

  private store(meta: number, k: number): void {
    const len = k + 3;
    if (this.chunks.length === 0 || this.used + len > CHUNK_WORDS) {
      const c = this.spare ?? new Uint32Array(Math.max(CHUNK_WORDS, len));
      this.spare = null;
      this.chunks.push(c); this.counts.push(0); this.retiredIn.push(0); this.used = 0;
    }
    const c = this.chunks[this.chunks.length - 1];
    let u = this.used;
    c[u++] = len; c[u++] = meta;
    const r = this.rec;
    for (let i = 0; i < k; i++) c[u++] = r[i];
    c[u++] = len;
    this.used = u;
    this.counts[this.counts.length - 1]++;
    if (debuggeeRetired(meta)) { this.retiredIn[this.retiredIn.length - 1]++; this.retiredTotal++; }
    this.entries++;
    this.index++;
    // Drop the oldest chunk once the rest still holds `capacity` entries.
    while (this.chunks.length > 1 && this.entries - this.counts[0] >= this.capacity) {
      this.entries -= this.counts[0];
      this.retiredTotal -= this.retiredIn[0];
      this.spare = this.chunks.shift()!;
      this.counts.shift();
      this.retiredIn.shift();
    }
  }

  /** What the last entry did (closing it first), or null at the window's start. */
  last(): EntryInfo | null { return this.peek(0); }

  /** What the entry `back` places before the last did (0: the last), without undoing anything;
   *  null beyond the window's start. */
  peek(back: number): EntryInfo | null {
    if (this.open) this.close();
    if (back >= this.entries) return null;
    let ci = this.chunks.length - 1;
    let end = this.used;
    let inChunk = this.counts[ci];
    for (let b = back; b > 0; b--) {
      end -= this.chunks[ci][end - 1];
      if (--inChunk === 0) { ci--; inChunk = this.counts[ci]; end = this.chunkEnd(ci); }
    }
    return this.info(this.chunks[ci], end);
  }

  private chunkEnd(ci: number): number {
    if (ci === this.chunks.length - 1) return this.used;
    const c = this.chunks[ci];
    let u = 0;
    for (let n = this.counts[ci]; n > 0; n--) u += c[u];
    return u;
  }

  private info(c: Uint32Array, end: number): EntryInfo {
    const len = c[end - 1];
    const start = end - len;
    const meta = c[start + 1];
    const writes: Array<[number, number]> = [];
    for (let k = start + 2; k < end - 1;) {
      const w = c[k];
      const kind = w >>> 28;
      if (kind === K_MEM) {
        const n = ((w >>> 12) & 0xfff) + 1;
        if (c[k + 3] !== NO_LA) writes.push([(c[k + 3] | 0) * 4294967296 + c[k + 2], n]);
        k += 4 + ((n + 3) >> 2);
      } else k += kind === K_GPR || kind === K_RIP || kind === K_EVENTS ? 2 : 3;
    }
    return { framesBefore: meta >>> 8, retired: debuggeeRetired(meta), writes };
  }

  /** Restores the state before the last entry. False at the window's start. */
  undo(): boolean {
    if (this.open) this.close();
    if (this.entries === 0) return false;
    const m = this.m;
    const c = this.chunks[this.chunks.length - 1];
    const len = c[this.used - 1];
    const start = this.used - len;
    const meta = c[start + 1];
    // Collect record offsets, then apply them newest first (a location written twice ends with
    // its oldest bytes).
    const offs: number[] = [];
    for (let k = start + 2; k < this.used - 1;) {
      offs.push(k);
      const w = c[k];
      const kind = w >>> 28;
      k += kind === K_MEM ? 4 + ((((w >>> 12) & 0xfff) + 1 + 3) >> 2) : kind === K_GPR || kind === K_RIP || kind === K_EVENTS ? 2 : 3;
    }
    const s = saveScalars(m, scratchScalars);
    let dr = false, scalarsChanged = false;
    for (let x = offs.length - 1; x >= 0; x--) {
      const k = offs[x];
      const w = c[k];
      switch (w >>> 28) {
        case K_GPR: m.r[w & 31] = c[k + 1]; break;
        case K_RIP: s[0] += c[k + 1] | 0; scalarsChanged = true; break;
        case K_SCALAR: s[w & 0xff] = (c[k + 2] | 0) * 4294967296 + c[k + 1]; scalarsChanged = true; break;
        case K_DR: m.dr[w & 7] = (BigInt(c[k + 2]) << 32n) | BigInt(c[k + 1]); dr = true; break;
        case K_EVENTS: m.events.truncate(c[k + 1]); break;
        case K_FRAME:
          if (w & 1) m.dbFrames.push((c[k + 2] | 0) * 4294967296 + c[k + 1]); else m.dbFrames.pop();
          break;
        case K_MEM: {
          const n = ((w >>> 12) & 0xfff) + 1, off = w & 0xfff;
          const p = m.phys.pages.get(c[k + 1]);
          if (p) {
            for (let i = 0; i < n; i++) p.data[off + i] = (c[k + 4 + (i >> 2)] >>> (8 * (i & 3))) & 0xff;
            p.code = null;
          }
          break;
        }
      }
    }
    if (meta & M_RETIRED) { s[SCALAR_ICOUNT] -= 1; scalarsChanged = true; }
    if (scalarsChanged) loadScalars(m, s);
    if (dr) m.debugRegistersChanged();
    m.mmu.flush();
    if (debuggeeRetired(meta)) { this.pos--; this.retiredTotal--; this.retiredIn[this.retiredIn.length - 1]--; }
    this.used = start;
    this.entries--;
    this.index--;
    if (--this.counts[this.counts.length - 1] === 0 && this.chunks.length > 0) {
      this.spare = this.chunks.pop()!;
      this.counts.pop();
      this.retiredIn.pop();
      this.used = this.chunks.length ? this.endOfLastChunk() : 0;
    }
    // Changes a debugger makes here belong to the step before (undone with it).
    this.begin(true);
    return true;
  }

  /** Undoes one whole step (its trap delivery too, if it had one). */
  undoStep(): boolean {
    for (;;) {
      if (this.open) this.close();
      if (this.entries === 0) return false;
      const c = this.chunks[this.chunks.length - 1];
      const meta = c[this.used - c[this.used - 1] + 1];
      this.undo();
      if (!(meta & M_CONTINUES)) return true;
    }
  }

  /** Used words of the last chunk (walks its entries from the start; only after a chunk pop). */
  private endOfLastChunk(): number {
    const c = this.chunks[this.chunks.length - 1];
    let u = 0;
    for (let n = this.counts[this.counts.length - 1]; n > 0; n--) u += c[u];
    return u;
  }
}

const scratchScalars = new Float64Array(NSCALAR);

/** An instruction of the debuggee: retired with no handler frame open, and not an INT3/INT1. */
function debuggeeRetired(meta: number): boolean {
  return (meta & (M_RETIRED | M_OPENS)) === M_RETIRED && (meta >>> 8) === 0;
}
