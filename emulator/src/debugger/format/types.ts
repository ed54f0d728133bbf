// dt's value and type texts. Values: "dt displays signed numbers in base 10, and unsigned numbers in
// hexadecimal" (Microsoft's dt reference), except that kd prints an unsigned 0..9 as its digit
// (`NtMajorVersion : 6`, `NtMinorVersion : 1`, `TimeZoneId : 2`, `MaxStackTraceDepth : 0` beside
// `LargePageMinimum : 0x200000` in public `dt _KUSER_SHARED_DATA` transcripts) and 64-bit values
// past 32 bits with the backtick (`0xffffffff`804d8000`, `VadCount : 0x29d`); UChar in hex with its
// character (`Irql : 0 ''`, `ProductTypeIsValid : 0x1 ''`, `MaxManipulate : 0x2d '-'`), Char in
// decimal (`CpuType : 6 ''`); arrays as the count and the first element (`KernelReserved : [14] 0`,
// `HalReserved : [16] 0x200`); pointers as the address and the pointed-to type (`(null)` for 0); bit
// fields in binary (`0y1`). `dt -v` types: `struct _POOL_HEADER, 9 elements, 0x10 bytes`,
// `Bitfield Pos 0, 8 Bits`, `Ptr64 to struct _EPROCESS, 260 elements, 0x840 bytes` (public
// `dt -v` transcripts). Cited in tests/unit/kd-dt.test.ts.

import { addr64 } from '../format.ts';

const ascii = (v: bigint) => (v >= 0x20n && v < 0x7fn ? `'${String.fromCharCode(Number(v))}'` : "''");

function readLE(bytes: Uint8Array): bigint {
  let v = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[i]);
  return v;
}

/** An unsigned value as dt prints it. */
export function unsignedText(v: bigint): string {
  if (v < 10n) return v.toString();
  if (v <= 0xffffffffn) return `0x${v.toString(16)}`;
  return `0x${(v >> 32n).toString(16)}\`${(v & 0xffffffffn).toString(16).padStart(8, '0')}`;
}

/** A scalar of dt type text `type` from its little-endian bytes. */
export function scalarText(type: string, bytes: Uint8Array): string {
  const v = readLE(bytes);
  if (type.startsWith('Ptr64')) return v === 0n ? '(null)' : `0x${addr64(v)} ${type.slice(5).trim() || 'Void'}`;
  if (type === 'UChar') return `${v === 0n ? '0' : `0x${v.toString(16)}`} ${ascii(v)}`;
  if (type === 'Char') return `${BigInt.asIntN(8, v)} ${ascii(v)}`;
  if (/^Int\dB$/.test(type)) return `0n${BigInt.asIntN(bytes.length * 8, v)}`;
  return unsignedText(v);
}

/** A bit field's value: its bits in binary, as wide as the field. */
export function bitsText(storage: Uint8Array, pos: number, len: number): string {
  const v = (readLE(storage) >> BigInt(pos)) & ((1n << BigInt(len)) - 1n);
  return `0y${v.toString(2).padStart(len, '0')}`;
}

/** An array field: `[N] ` and the first element's value; UChar arrays as their string. */
export function arrayText(type: string, bytes: Uint8Array, totalSize: number): string {
  const m = /^\[(\d+)\] (.*)$/.exec(type);
  if (!m) return type;
  const count = Number(m[1]);
  const elem = m[2];
  if (elem === 'UChar') {
    let text = '';
    for (const b of bytes) { if (b === 0) break; text += b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.'; }
    return `[${count}]  "${text}"`;
  }
  if (elem.startsWith('_')) return `[${count}] ${elem}`;
  const size = Math.max(1, Math.floor(totalSize / Math.max(1, count)));
  return `[${count}] ${scalarText(elem, bytes.slice(0, size))}`;
}

/** `dt -v`'s header or type text for a structure the model has. */
export function verboseAggregate(name: string, union: boolean | undefined, elements: number, size: number | null): string {
  return `${union ? 'union' : 'struct'} ${name}, ${elements} elements, ${size === null ? '?' : `0x${size.toString(16)}`} bytes`;
}
