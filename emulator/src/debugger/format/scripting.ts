// Layouts of the scripting and evaluation commands: `.formats` (Microsoft's ".formats (Show
// Number Formats)" page, x64 widths), `.printf` conversions (".printf" page: %p in the debugger's
// address format, %y a symbol with displacement, %ma/%mu strings in target memory) and `??`
// values ("?? (Evaluate C++ Expression)": the C type, then the value). Tests cite the transcripts.

import type { CType, CValue } from '../cpp-expr.ts';
import { addr64 } from '../format.ts';

/** C's %g with 6 significant digits and MSVC's three-digit exponent (`6.36908e-022`). */
export function msvcG(x: number): string {
  if (x === 0) return '0';
  if (!Number.isFinite(x)) return Number.isNaN(x) ? '-nan(ind)' : x > 0 ? 'inf' : '-inf';
  const exp = Math.floor(Math.log10(Math.abs(x)));
  if (exp < -4 || exp >= 6) {
    const [m, e] = x.toExponential(5).split('e');
    const mant = m.includes('.') ? m.replace(/0+$/, '').replace(/\.$/, '') : m;
    const n = Number(e);
    return `${mant}e${n < 0 ? '-' : '+'}${String(Math.abs(n)).padStart(3, '0')}`;
  }
  const s = x.toPrecision(6);
  return s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s;
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `.formats`: the value in hex, decimal, octal, binary, chars, time, float and double. Time is in
 *  UTC (kd prints the host's local time; the model has no host time zone): a value below 2^32 as
 *  a CRT time stamp, a larger one as a FILETIME (100 ns since 1601) with milliseconds. */
export function formatsReport(v: bigint): string {
  const bytes = [...Array(8).keys()].map((i) => Number((v >> BigInt(8 * (7 - i))) & 0xffn));
  const chars = bytes.map((b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join('');
  const binary = bytes.map((b) => b.toString(2).padStart(8, '0')).join(' ');
  const buf = new DataView(new ArrayBuffer(8));
  buf.setBigUint64(0, v, true);
  const low = buf.getFloat32(0, true);
  const high = buf.getFloat32(4, true);
  const dbl = buf.getFloat64(0, true);
  let time = 'not a valid time';
  if (v < 1n << 32n) {
    const d = new Date(Number(v) * 1000);
    time = `${DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, '0')} ${d.toISOString().slice(11, 19)} ${d.getUTCFullYear()}`;
  } else if (v < 0x7fffffffffffffffn) {
    const ms = Number(v / 10000n) - 11644473600000;
    const d = new Date(ms);
    if (!Number.isNaN(d.getTime())) {
      time = `${DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')} ${d.toISOString().slice(11, 23)} ${d.getUTCFullYear()} (UTC + 0:00)`;
    }
  }
  const signed = BigInt.asIntN(64, v);
  return [
    'Evaluate expression:',
    `  Hex:     ${addr64(v)}`,
    `  Decimal: ${signed}`,
    ...(signed < 0n ? [`  Decimal (unsigned) : ${v}`] : []),
    `  Octal:   ${v.toString(8).padStart(22, '0')}`,
    `  Binary:  ${binary}`,
    `  Chars:   ${chars}`,
    `  Time:    ${time}`,
    `  Float:   low ${msvcG(low)} high ${msvcG(high)}`,
    `  Double:  ${msvcG(dbl)}`,
  ].join('\n');
}

function typeName(t: CType): string {
  switch (t.kind) {
    case 'int': return t.name;
    case 'bool': return 'bool';
    case 'ptr': return `${/^_/.test(t.to) ? `struct ${t.to}` : t.to} *`;
    case 'struct': return `struct ${t.name}`;
    case 'array': return `${t.elem} [${t.count}]`;
  }
}

/** `??` for a scalar: `unsigned int64 0x10`, `int 0n5`, `struct _KPCR * 0xfffff803`1a1c5000`,
 *  `bool true`, `unsigned char 0x41 'A'`. */
export function cppScalar(v: CValue): string {
  const t = v.type;
  if (t.kind === 'bool') return `bool ${v.value !== 0n ? 'true' : 'false'}`;
  if (t.kind === 'ptr') return `${typeName(t)} 0x${addr64(v.value)}`;
  if (t.kind === 'int') {
    const bits = BigInt(t.size * 8);
    const value = BigInt.asUintN(Number(bits), v.value);
    const ch = t.size === 1 ? ` '${value >= 0x20n && value < 0x7fn ? String.fromCharCode(Number(value)) : ''}'` : '';
    if (t.signed) return `${t.name} 0n${BigInt.asIntN(Number(bits), value)}${ch}`;
    const hex = value > 0xffffffffn ? addr64(value) : value.toString(16).padStart(t.size === 1 ? 2 : 1, '0');
    return `${t.name} 0x${hex}${ch}`;
  }
  return `${typeName(t)} 0x${addr64(v.address ?? v.value)}`;
}

export { typeName as cppTypeName };
