// Register contexts read from guest memory for `.trap` (a _KTRAP_FRAME, offsets from the modeled
// build's layout in windows/structs.ts) and `.cxr` (an x64 CONTEXT record, offsets from the public
// winnt.h definition of CONTEXT for AMD64: SegCs 38h, SegSs 42h, EFlags 44h, Rax 78h ... R15 F0h,
// Rip F8h).

import type { KdSession } from '../session.ts';
import { readLE } from './args.ts';

const GPRS = ['rax', 'rcx', 'rdx', 'rbx', 'rsp', 'rbp', 'rsi', 'rdi', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15'];

export interface ReadContext {
  registers: Record<string, bigint>;
  segments: Record<string, number>;
}

function read(s: KdSession, a: bigint, n: number): bigint | undefined {
  const b = s.machine.readVirtual(a, n);
  return b ? readLE(b) : undefined;
}

/** The registers a _KTRAP_FRAME holds. The non-volatile ones (rbx, rsi, rdi, r12-r15) are not
 *  saved by a trap and show as zero, as WinDbg shows them. Undefined when unreadable. */
export function trapFrameContext(s: KdSession, frame: bigint): ReadContext | undefined {
  const fields = s.kernel.structs._KTRAP_FRAME?.fields;
  if (!fields) return undefined;
  const at = (name: string) => fields.find((f) => f.name === name)?.offset;
  const registers: Record<string, bigint> = Object.fromEntries(GPRS.map((r) => [r, 0n]));
  const names: Array<[string, string, number]> = [
    ['rax', 'Rax', 8], ['rcx', 'Rcx', 8], ['rdx', 'Rdx', 8], ['r8', 'R8', 8], ['r9', 'R9', 8], ['r10', 'R10', 8],
    ['r11', 'R11', 8], ['rbp', 'Rbp', 8], ['rip', 'Rip', 8], ['rsp', 'Rsp', 8], ['rflags', 'EFlags', 4],
  ];
  for (const [reg, field, size] of names) {
    const o = at(field);
    if (o === undefined) continue;
    const v = read(s, frame + BigInt(o), size);
    if (v === undefined) return undefined;
    registers[reg] = v;
  }
  const segments: Record<string, number> = {};
  for (const [seg, field] of [['cs', 'SegCs'], ['ss', 'SegSs']] as const) {
    const o = at(field);
    const v = o === undefined ? undefined : read(s, frame + BigInt(o), 2);
    if (v !== undefined) segments[seg] = Number(v);
  }
  return { registers, segments };
}

/** The registers of an x64 CONTEXT record at `record`. */
export function contextRecord(s: KdSession, record: bigint): ReadContext | undefined {
  const b = s.machine.readVirtual(record, 0x100);
  if (!b) return undefined;
  const q = (o: number) => readLE(b.slice(o, o + 8));
  const registers: Record<string, bigint> = { rip: q(0xf8), rflags: readLE(b.slice(0x44, 0x48)) };
  GPRS.forEach((r, i) => { registers[r] = q(0x78 + 8 * i); });
  const w = (o: number) => Number(readLE(b.slice(o, o + 2)));
  return { registers, segments: { cs: w(0x38), ds: w(0x3a), es: w(0x3c), fs: w(0x3e), gs: w(0x40), ss: w(0x42) } };
}
