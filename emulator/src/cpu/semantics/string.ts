// String instructions with REP/REPE/REPNE (SDM Vol. 2B MOVS, STOS, LODS, CMPS, SCAS and
// "REP/REPE/REPZ/REPNE/REPNZ"). Each iteration commits RCX/RSI/RDI, so a fault in the middle leaves
// the registers describing the remaining work, as on the processor. A long REP runs in chunks:
// RIP stays on the instruction until the count reaches zero (one step per chunk).

import type { Machine, Decoded, Semantics } from '../machine.ts';
import { DF, ZF } from '../state.ts';
import { sub } from '../flags.ts';

const CHUNK = 4096;

function advance(m: Machine, reg: number, delta: number, a32: boolean): void {
  const r = m.r;
  const s = r[2 * reg] + delta;
  const lo = s >>> 0;
  if (a32) { r[2 * reg] = lo; r[2 * reg + 1] = 0; return; }
  r[2 * reg + 1] = (r[2 * reg + 1] + Math.floor(s / 4294967296)) >>> 0;
  r[2 * reg] = lo;
}

function countZero(m: Machine, a32: boolean): boolean {
  const r = m.r;
  return a32 ? r[2] === 0 : (r[2] | r[3]) === 0;
}
function decCount(m: Machine, a32: boolean): void { advance(m, 1, -1, a32); }

function stringOp(kind: 'movs' | 'stos' | 'lods' | 'cmps' | 'scas'): Semantics {
  return (m, d) => {
    const rep = d.ins.prefixes.rep;
    const a32 = d.ins.addrSize === 4;
    const size = d.o[0].size;
    const step = (m.rflags & DF) ? -size : size;
    let n = 0;
    for (;;) {
      if (rep !== null && countZero(m, a32)) return;
      switch (kind) {
        case 'movs': { // operands: [rdi] <- [rsi]
          const lo = m.read(m.ea(d.o[1], d), size), hi = m.rhi;
          m.write(m.ea(d.o[0], d), size, lo, hi);
          advance(m, 6, step, a32); advance(m, 7, step, a32);
          break;
        }
        case 'stos': {
          const lo = m.getGpr(0, size, false), hi = m.rhi;
          m.write(m.ea(d.o[0], d), size, lo, hi);
          advance(m, 7, step, a32);
          break;
        }
        case 'lods': {
          const lo = m.read(m.ea(d.o[0], d), size), hi = m.rhi;
          m.setGpr(0, size, false, lo, hi);
          advance(m, 6, step, a32);
          break;
        }
        case 'cmps': { // compares [rsi] with [rdi]: flags of [rsi] - [rdi]
          // ES:[rDI] is read first: where both operands fault, Intel processors report the
          // destination's fault (#PF CR2, or its #GP before a non-canonical rSI's); the SDM does
          // not order the two reads (found by the differential fuzzer).
          const b = m.read(m.ea(d.o[1], d), size), bh = m.rhi;
          const a = m.read(m.ea(d.o[0], d), size), ah = m.rhi;
          sub(m, a, ah, b, bh, 0, size);
          advance(m, 6, step, a32); advance(m, 7, step, a32);
          break;
        }
        default: { // scas: flags of rAX - [rdi]
          const b = m.read(m.ea(d.o[0], d), size), bh = m.rhi;
          const a = m.getGpr(0, size, false), ah = m.rhi;
          sub(m, a, ah, b, bh, 0, size);
          advance(m, 7, step, a32);
        }
      }
      if (rep === null) return;
      decCount(m, a32);
      if (kind === 'cmps' || kind === 'scas') {
        const z = (m.rflags & ZF) !== 0;
        if (rep === 'rep' ? !z : z) return; // REPE stops on ZF=0, REPNE on ZF=1
      }
      if (++n >= CHUNK && !countZero(m, a32)) { m.rip = d.rip; return; }
    }
  };
}

export const STRING: Record<string, Semantics> = {
  movs: stringOp('movs'), stos: stringOp('stos'), lods: stringOp('lods'), cmps: stringOp('cmps'), scas: stringOp('scas'),
};
void ({} as Decoded);
