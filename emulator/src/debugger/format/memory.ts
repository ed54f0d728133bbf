// Layouts of dc (dwords and their bytes as ASCII: `addr  d d d d  chars`, no dash, a short last
// line padded) and da / du (`addr  "text"`), as in public kd transcripts of `dc` (e.g. the MZ
// header `00905a4d 00000003 00000004 0000ffff  MZ..............`) and Microsoft's "d, da, db, dc,
// dd, ... (Display Memory)" page. Cited in tests/unit/kd-system.test.ts.

import { addr64, hexN, type ByteReader } from '../format.ts';

const MASK64 = (1n << 64n) - 1n;
const ascii = (b: number) => (b >= 0x20 && b <= 0x7e ? String.fromCharCode(b) : '.');

export function dumpDwordsAscii(start: bigint, count: number, read: ByteReader): string {
  const lines: string[] = [];
  for (let i = 0; i < count; i += 4) {
    const cells: string[] = [];
    let chars = '';
    for (let j = i; j < Math.min(count, i + 4); j++) {
      const b = read((start + BigInt(j * 4)) & MASK64, 4);
      cells.push(b ? hexN(b[0] | (b[1] << 8) | (b[2] << 16) | (b[3] * 0x1000000), 8) : '????????');
      chars += b ? [...b].map(ascii).join('') : '????';
    }
    lines.push(`${addr64(start + BigInt(i * 4))}  ${cells.join(' ').padEnd(35)}  ${chars}`);
  }
  return lines.join('\n');
}

/** da / du: the string at each address up to its NUL (or `max` characters), 48 (da) or 48 (du)
 *  characters per line, each line quoted. Returns the lines and the address after the string. */
export function dumpString(start: bigint, max: number, wide: boolean, read: ByteReader): { text: string; next: bigint } {
  const unit = wide ? 2 : 1;
  const perLine = wide ? 48 : 48;
  const lines: string[] = [];
  let at = start;
  let line = '';
  let lineStart = at;
  for (let n = 0; n < max; n++) {
    const b = read(at & MASK64, unit);
    if (!b) {
      if (n === 0) return { text: `${addr64(start)}  ${wide ? '"????"' : '"????"'}`, next: start };
      break;
    }
    const c = wide ? b[0] | (b[1] << 8) : b[0];
    at += BigInt(unit);
    if (c === 0) break;
    line += c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : '.';
    if (line.length === perLine) {
      lines.push(`${addr64(lineStart)}  "${line}"`);
      line = '';
      lineStart = at;
    }
  }
  if (line !== '' || lines.length === 0) lines.push(`${addr64(lineStart)}  "${line}"`);
  return { text: lines.join('\n'), next: at };
}

/** A segment-qualified display (`dd fs:[0]`): each line's address shows as selector:offset, as kd
 *  prints it (`0030:00000000  f8b04e04 f8b05df0 ...` in public kd transcripts of `dd fs:[0]`). */
export function segmentLines(text: string, selector: number, base: bigint): string {
  return text
    .split('\n')
    .map((line) => {
      const m = /^([0-9a-f]{8})`([0-9a-f]{8})/.exec(line);
      if (!m) return line;
      const linear = BigInt(`0x${m[1]}${m[2]}`);
      return `${hexN(selector, 4)}:${addr64((linear - base) & MASK64)}${line.slice(17)}`;
    })
    .join('\n');
}

/** dyb: bytes in binary and hex, four per line, under a bit-number header ("d, da, db, ...,
 *  dyb, dyd (Display Memory)": binary and byte values, default 32 bytes). */
export function dumpBinaryBytes(start: bigint, count: number, read: ByteReader): string {
  const pad = ' '.repeat(19);
  const lines = [`${pad}76543210 76543210 76543210 76543210`, `${pad}-------- -------- -------- --------`];
  for (let i = 0; i < count; i += 4) {
    const bits: string[] = [];
    const hex: string[] = [];
    for (let j = i; j < Math.min(count, i + 4); j++) {
      const b = read((start + BigInt(j)) & MASK64, 1);
      bits.push(b ? b[0].toString(2).padStart(8, '0') : '????????');
      hex.push(b ? hexN(b[0], 2) : '??');
    }
    lines.push(`${addr64(start + BigInt(i))}  ${bits.join(' ').padEnd(35)}  ${hex.join(' ')}`);
  }
  return lines.join('\n');
}
