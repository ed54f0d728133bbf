// `s`: search memory for a pattern (Microsoft's "s (Search Memory)" reference): `s [-b|-w|-d|-q|-a|-u]
// Range Pattern`, with the `-[1]` flag (addresses only). Each hit prints one line that starts at
// the hit, in the layout of the type's display command: bytes, ASCII and Unicode as `db` (the
// reference's `s -a` example), dwords as `dc` (its `s -d` example: four dwords and their ASCII),
// words as `dw`, qwords as `dq`. Word, dword and qword hits are aligned to their size, as the
// reference says; only patterns wholly inside the range count, and overlapping hits are found.

import { CaretError } from '../errors.ts';
import * as fmt from '../format.ts';
import { dumpDwordsAscii } from '../format/memory.ts';
import type { KdSession } from '../session.ts';
import { MASK64, oneValue, stripSegment, toBytes } from './args.ts';
import { family, type CommandContext } from './command.ts';

/** The reference's limit on a search range without the `L?` syntax: 256 MB. */
const MAX_RANGE = 0x10000000n;
const PAGE = 0x1000n;

type SearchType = 'b' | 'w' | 'd' | 'q' | 'a' | 'u';
const UNIT: Record<SearchType, number> = { b: 1, w: 2, d: 4, q: 8, a: 1, u: 1 };

/** A quoted character constant as a number: `'VUTS'` is the dword whose bytes in memory are
 *  'S' 'T' 'U' 'V' (the reference's example). */
function charConstant(text: string): bigint {
  let v = 0n;
  for (const c of text) v = (v << 8n) | BigInt(c.charCodeAt(0) & 0xff);
  return v;
}

function parsePattern(s: KdSession, type: SearchType, text: string, ctx: CommandContext): Uint8Array {
  const bytes: number[] = [];
  let rest = text.trim();
  if (type === 'a' || type === 'u') {
    const m = /^"([^"]*)"\s*$/.exec(rest);
    if (!m || m[1] === '') throw new CaretError('Syntax error', ctx.text.length - rest.length);
    for (const c of m[1]) {
      const code = c.charCodeAt(0);
      if (type === 'a') bytes.push(code & 0xff);
      else bytes.push(code & 0xff, code >> 8);
    }
    return Uint8Array.from(bytes);
  }
  const unit = UNIT[type];
  while (rest !== '') {
    let v: bigint;
    const q = /^'([^']+)'/.exec(rest);
    if (q) {
      v = charConstant(q[1]);
      rest = rest.slice(q[0].length).trim();
    } else {
      const r = s.evalPrefix(rest);
      v = r.value;
      rest = r.rest.trim();
    }
    if (v >> BigInt(8 * unit) !== 0n && v >> BigInt(8 * unit) !== -1n) throw new CaretError('Range error', ctx.text.length - rest.length - 1);
    bytes.push(...toBytes(v & ((1n << BigInt(8 * unit)) - 1n), unit));
  }
  if (bytes.length === 0) throw new CaretError('Syntax error', ctx.text.length - 1);
  return Uint8Array.from(bytes);
}

/** The readable stretches of [start, start+length): runs of whole pages (the debugger's view of
 *  memory reads a page or nothing). */
function readableRuns(s: KdSession, start: bigint, length: bigint): Array<{ at: bigint; bytes: Uint8Array }> {
  const runs: Array<{ at: bigint; bytes: Uint8Array }> = [];
  let current: { at: bigint; parts: Uint8Array[] } | null = null;
  const flush = () => {
    if (!current) return;
    const total = current.parts.reduce((n, p) => n + p.length, 0);
    const bytes = new Uint8Array(total);
    let o = 0;
    for (const p of current.parts) { bytes.set(p, o); o += p.length; }
    runs.push({ at: current.at, bytes });
    current = null;
  };
  let a = start;
  const end = start + length;
  while (a < end) {
    const next = ((a & ~(PAGE - 1n)) + PAGE) < end ? (a & ~(PAGE - 1n)) + PAGE : end;
    const chunk = s.machine.readVirtual(a & MASK64, Number(next - a));
    if (chunk) {
      current ??= { at: a, parts: [] };
      current.parts.push(chunk);
    } else flush();
    a = next;
  }
  flush();
  return runs;
}

function search(s: KdSession, typed: string, ctx: CommandContext): string {
  let args = typed.trim();
  let type: SearchType = 'b';
  let addressOnly = false;
  const opt = /^-(\[([1]*)\])?([bwdqau])\s+/i.exec(args);
  if (opt) {
    type = opt[3].toLowerCase() as SearchType;
    addressOnly = (opt[2] ?? '').includes('1');
    args = args.slice(opt[0].length);
  } else if (args.startsWith('-')) {
    throw new CaretError('Syntax error', ctx.argsOffset + 1);
  }
  args = stripSegment(s, args).args.trim();
  if (args === '') throw new CaretError('Syntax error', ctx.text.length - 1);
  // The range's parts are single words (`nt L40000`, `fffff803`1b200000 fffff803`1b20ffff`): a
  // string pattern after them is no expression.
  const word = (t: string) => {
    const m = /^(\S+)\s*(.*)$/s.exec(t.trim());
    if (!m) throw new CaretError('Syntax error', ctx.text.length - 1);
    return { value: oneValue(s, m[1], ctx), rest: m[2] };
  };
  const first = word(args);
  const start = first.value;
  let rest = first.rest.trim();
  let length: bigint;
  const l = /^l(\??)\s*/i.exec(rest);
  if (l) {
    const r = word(rest.slice(l[0].length));
    length = r.value;
    rest = r.rest.trim();
    if (!l[1] && length > MAX_RANGE) throw new CaretError('Range error', ctx.text.length - 1);
  } else {
    const r = word(rest);
    if (r.value < start) throw new CaretError('Range error', ctx.text.length - 1);
    length = r.value - start + 1n;
    rest = r.rest.trim();
    if (length > MAX_RANGE) throw new CaretError('Range error', ctx.text.length - 1);
  }
  const pattern = parsePattern(s, type, rest, ctx);
  const unit = BigInt(UNIT[type]);
  const hits: bigint[] = [];
  for (const run of readableRuns(s, start, length)) {
    const b = run.bytes;
    outer: for (let i = 0; i + pattern.length <= b.length; i++) {
      const at = run.at + BigInt(i);
      if (unit > 1n && at % unit !== 0n) continue;
      for (let j = 0; j < pattern.length; j++) if (b[i + j] !== pattern[j]) continue outer;
      hits.push(at & MASK64);
    }
  }
  const read = (a: bigint, n: number) => s.machine.readVirtual(a & MASK64, n);
  return hits
    .map((at) => {
      if (addressOnly) return fmt.addr64(at);
      if (type === 'd') return dumpDwordsAscii(at, 4, read);
      if (type === 'w') return fmt.dumpUnits(at, 8, 2, read);
      if (type === 'q') return fmt.dumpUnits(at, 2, 8, read);
      return fmt.dumpBytes(at, 16, read);
    })
    .join('\n');
}

export const SEARCH_COMMANDS = family('memory', [
  { name: 's', syntax: 's [-b|-w|-d|-q|-a|-u|-[1]Type] Range Pattern', help: "search memory: bytes, words, dwords, qwords ('VUTS'), \"ASCII\" or \"Unicode\" strings", handler: search },
]);
