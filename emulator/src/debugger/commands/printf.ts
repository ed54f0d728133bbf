// `.printf "Format" [, Argument ...]` (Microsoft's ".printf" page): C conversions (%d %i %u %x %X
// %o %c with the I64 / ll / l / h sizes, flags, width, precision) plus the debugger's own: %p (a
// target pointer in the debugger's address format), %y (symbol and displacement, then the address),
// %ma / %mu (a NUL-terminated ASCII / UTF-16 string in target memory), %msa / %msu (ANSI_STRING /
// UNICODE_STRING). %s has no meaning for a target (its argument would be a host pointer): it prints
// the ASCII string at the target address, as %ma does.

import { CaretError, PlainError } from '../errors.ts';
import { addr64, symbolWithOffset } from '../format.ts';
import type { KdSession } from '../session.ts';
import { readLE } from './args.ts';
import type { CommandContext } from './command.ts';

const MAX_STRING = 0x1000;

function cString(s: KdSession, address: bigint, wide: boolean, maxChars = MAX_STRING): string {
  const unit = wide ? 2 : 1;
  let out = '';
  for (let n = 0; n < maxChars; n++) {
    const b = s.machine.readVirtual(address + BigInt(n * unit), unit);
    if (!b) break;
    const c = wide ? b[0] | (b[1] << 8) : b[0];
    if (c === 0) break;
    out += String.fromCharCode(c);
  }
  return out;
}

/** A C string literal's escapes (`\n \t \\ \"`). */
function unescape(text: string): string {
  return text.replace(/\\(.)/g, (_, c: string) => ({ n: '\n', t: '\t', r: '', '\\': '\\', '"': '"', '0': '' } as Record<string, string>)[c] ?? c);
}

/** Splits `"format", a, b` into the format and the argument texts (commas outside parentheses). */
function parseArgs(args: string, ctx: CommandContext): { format: string; values: string[] } {
  const a = args.trim().replace(/^\/o[dDenpPsvw]\s+/, '');
  const m = /^"((?:[^"\\]|\\.)*)"/.exec(a);
  if (!m) throw new CaretError('Syntax error', ctx.argsOffset + (args.length - args.trimStart().length));
  const rest = a.slice(m[0].length).trim();
  const values: string[] = [];
  if (rest !== '') {
    if (!rest.startsWith(',')) throw new CaretError('Syntax error', ctx.text.length - rest.length);
    let depth = 0;
    let cur = '';
    for (const c of rest.slice(1)) {
      if (c === '(') depth++;
      if (c === ')') depth--;
      if (c === ',' && depth === 0) { values.push(cur); cur = ''; } else cur += c;
    }
    values.push(cur);
  }
  return { format: unescape(m[1]), values };
}

export function printf(s: KdSession, args: string, ctx: CommandContext): string {
  const { format, values } = parseArgs(args, ctx);
  let next = 0;
  const arg = (): bigint => {
    if (next >= values.length) throw new PlainError('Too few arguments for the format string');
    const text = values[next++];
    const r = s.evalPrefix(text);
    if (r.rest.trim() !== '') throw new CaretError('Syntax error', ctx.text.length - 1);
    return r.value;
  };
  const out = format.replace(/%([-+ #0]*)(\d*)(?:\.(\d+))?(I64|ll|l|h)?(msa|msu|ma|mu|ly|[diuxXocspyN%])/g,
    (_all, flags: string, width: string, precision: string | undefined, size: string | undefined, conv: string) => {
      if (conv === '%') return '%';
      let text: string;
      const wide64 = size === 'I64' || size === 'll';
      const bits = wide64 ? 64 : size === 'h' ? 16 : 32;
      switch (conv) {
        case 'p': case 'N': text = addr64(arg()); break;
        case 'y': case 'ly': {
          const v = arg();
          const near = s.kernel.symbols.nearest(v);
          text = near ? `${symbolWithOffset(near.name, v - near.address)} (${addr64(v)})` : addr64(v);
          break;
        }
        case 'ma': case 's': text = cString(s, arg(), false); break;
        case 'mu': text = cString(s, arg(), true); break;
        case 'msa': case 'msu': {
          // ANSI_STRING / UNICODE_STRING: Length (USHORT, bytes), MaximumLength, Buffer at +8.
          const at = arg();
          const head = s.machine.readVirtual(at, 16);
          if (!head) { text = ''; break; }
          const len = Number(readLE(head.slice(0, 2)));
          const wide = conv === 'msu';
          text = cString(s, readLE(head.slice(8, 16)), wide, wide ? len / 2 : len);
          break;
        }
        case 'c': text = String.fromCharCode(Number(arg() & 0xffn)); break;
        default: {
          const v = BigInt.asUintN(bits, arg());
          if (conv === 'd' || conv === 'i') text = BigInt.asIntN(bits, v).toString();
          else if (conv === 'u') text = v.toString();
          else if (conv === 'o') text = v.toString(8);
          else text = conv === 'X' ? v.toString(16).toUpperCase() : v.toString(16);
          if (precision !== undefined) text = text.padStart(Number(precision), '0');
          if (flags.includes('#') && /[xX]/.test(conv) && v !== 0n) text = `0${conv}${text}`;
          if (flags.includes('+') && /[di]/.test(conv) && !text.startsWith('-')) text = `+${text}`;
        }
      }
      const w = Number(width || 0);
      if (text.length < w) text = flags.includes('-') ? text.padEnd(w) : flags.includes('0') && !/s|m|y|c/.test(conv) ? text.padStart(w, '0') : text.padStart(w);
      return text;
    });
  // kd prints exactly the formatted text; one trailing newline ends this command's output line.
  return out.endsWith('\n') ? out.slice(0, -1) : out;
}
