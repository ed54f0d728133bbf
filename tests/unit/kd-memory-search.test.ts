// Memory commands beyond d*/e*: segment-qualified addresses, dyb, and s (search memory), table-
// driven, each row citing the public transcript or Microsoft page whose layout it follows.
import { describe, expect, it } from 'vitest';
import { KdSession } from '../../emulator/src/debugger/session.ts';
import '../../emulator/src/debugger/commands/index.ts';
import { addr64, hexN } from '../../emulator/src/debugger/format.ts';

const SRC = {
  seg: 'public kd transcripts of `dd fs:[0]`: kernel `kd> dd fs:[0]` -> `0030:00000000  f8b04e04 f8b05df0 f8b03000 00000000`, user `0:001> dd fs:[0]` -> `003b:00000000  0077feec 00780000 0077c000 00000000` (selector:offset, two spaces, the values)',
  sRef: 'learn.microsoft.com/windows-hardware/drivers/debuggercmds/s--search-memory- ("s (Search Memory)")',
  sD: "the reference's `s -d @rsp L1000000 'H'` -> `0000003f`ff07ec00  00000048 00000000 500c0163 00000000  H.......c..P....` (a dc line at each hit)",
  sA: 'the reference\'s `s -a @rsp L10000000 "B7"` -> `0000003f`ff07ef0a  42 37 ff 7f 00 00 90 38-4e c2 6c 01 00 00 7d 26  B7.....8N.l...}&` (a db line at each hit)',
  dyb: 'learn.microsoft.com "d, da, db, dc, dd, dD, df, dp, dq, du, dw, dW, dyb, dyd (Display Memory)": dyb shows binary values and byte values, default count 32 bytes',
};

const s = new KdSession({ budget: 200_000 });
const nt = s.kernel.symbols.resolve('nt')!;
const read = (a: bigint, n: number) => s.machine.readVirtual(a, n)!;
const le = (b: Uint8Array) => b.reduceRight((v, x) => (v << 8n) | BigInt(x), 0n);
const dbLine = (a: bigint) => {
  const b = read(a, 16);
  const hex = [...b].map((x, i) => (i === 8 ? '-' : i ? ' ' : '') + hexN(x, 2)).join('');
  return `${addr64(a)}  ${hex}  ${[...b].map((c) => (c >= 0x20 && c <= 0x7e ? String.fromCharCode(c) : '.')).join('')}`;
};

describe('segment-qualified addresses', () => {
  // Stopped in the kernel at KiSystemCall64+0x15 (after swapgs): GS's base is the KPCR.
  const k = new KdSession({ budget: 200_000 });
  k.exec('bp nt!KiSystemCall64+0x15');
  k.exec('g');
  const gsBase = k.machine.getSeg('gs').base;
  const thread = le(k.machine.readVirtual(gsBase + 0x188n, 8)!);
  const sel = hexN(k.machine.getSeg('gs').selector, 4);
  const rows: Array<[string, string]> = [
    ['dq gs:[188] L1', `${sel}:00000000\`00000188  ${addr64(thread)}`],
    ['dq gs:188 L1', `${sel}:00000000\`00000188  ${addr64(thread)}`],
    ['dq gs:[0x188] L1', `${sel}:00000000\`00000188  ${addr64(thread)}`],
    ['dq @$pcr+188 L1', `${addr64(gsBase + 0x188n)}  ${addr64(thread)}`],
  ];
  it.each(rows)(`%s (${SRC.seg.slice(0, 50)}…)`, (cmd, want) => {
    expect(k.exec(cmd).output).toBe(want);
  });
  it('db gs:0 adds the GS base, as the processor does (SDM Vol. 1 §3.3.4)', () => {
    const out = k.exec('db gs:0 L10').output;
    expect(out).toBe(`${sel}:00000000\`00000000${dbLine(gsBase).slice(17)}`);
    // ds has base 0 in 64-bit mode: ds:X is X.
    const ds = hexN(k.machine.getSeg('ds').selector, 4);
    expect(k.exec(`dd ds:${addr64(nt)} L1`).output).toBe(`${ds}:${addr64(nt)}  ${hexN(Number(le(read(nt, 4))), 8)}`);
  });
  it('eb gs:[offset] writes where dq gs:[offset] reads', () => {
    k.exec('eb gs:[2000] 5a');
    expect(k.machine.readVirtual(gsBase + 0x2000n, 1)![0]).toBe(0x5a);
  });
});

describe('dyb', () => {
  it(`bits under a 76543210 header, then the bytes (${SRC.dyb.slice(0, 50)}…)`, () => {
    const out = s.exec(`dyb ${addr64(nt)} L4`).output.split('\n');
    const b = read(nt, 4);
    expect(out).toEqual([
      `${' '.repeat(19)}76543210 76543210 76543210 76543210`,
      `${' '.repeat(19)}-------- -------- -------- --------`,
      `${addr64(nt)}  ${[...b].map((x) => x.toString(2).padStart(8, '0')).join(' ')}  ${[...b].map((x) => hexN(x, 2)).join(' ')}`,
    ]);
    // The default count is 32 bytes: eight lines of four.
    expect(s.exec(`dyb ${addr64(nt)}`).output.split('\n')).toHaveLength(2 + 8);
  });
});

describe(`s (${SRC.sRef})`, () => {
  const swapgs = s.kernel.symbols.resolve('nt!KiSystemCall64')!; // starts 0f 01 f8
  it(`s -a prints a db line at each hit (${SRC.sA.slice(0, 60)}…)`, () => {
    expect(s.exec(`s -a ${addr64(nt)} L40000 "MZ"`).output).toBe(dbLine(nt));
    // Bytes given as numbers or 'c' constants find the same thing.
    expect(s.exec(`s ${addr64(nt)} L10 4d 5a`).output).toBe(dbLine(nt));
    expect(s.exec(`s ${addr64(nt)} L10 'M' 'Z'`).output).toBe(dbLine(nt));
  });
  it(`s -d prints a dc line, and 'VUTS' is the dword whose bytes are S T U V (${SRC.sD.slice(0, 50)}…)`, () => {
    const out = s.exec(`s -d ${addr64(nt)} L10 'ZM'`).output;
    const d = (o: bigint) => hexN(Number(le(read(nt + o, 4))), 8);
    const chars = [...read(nt, 16)].map((c) => (c >= 0x20 && c <= 0x7e ? String.fromCharCode(c) : '.')).join('');
    expect(out).toBe(`${addr64(nt)}  ${d(0n)} ${d(4n)} ${d(8n)} ${d(12n)}  ${chars}`);
  });
  it('every hit, hits overlapping, wholly inside the range; -[1] prints addresses only', () => {
    const hits = s.exec(`s -[1]b ${addr64(nt)} L40000 0f 01 f8`).output.split('\n');
    expect(hits).toContain(addr64(swapgs));
    // Each listed address holds the pattern, and no other address in the range does.
    const bytes = s.machine.readVirtual(nt, 0x40000) ?? new Uint8Array(0);
    const want: string[] = [];
    for (let i = 0; i + 3 <= bytes.length; i++) if (bytes[i] === 0x0f && bytes[i + 1] === 1 && bytes[i + 2] === 0xf8) want.push(addr64(nt + BigInt(i)));
    if (bytes.length) expect(hits).toEqual(want);
    // A pattern that would end past the range is not a hit.
    expect(s.exec(`s ${addr64(swapgs)} L2 0f 01 f8`).output).toBe('');
    expect(s.exec(`s ${addr64(swapgs)} L3 0f 01 f8`).output).toBe(dbLine(swapgs));
  });
  it('word, dword and qword hits are aligned to their size', () => {
    // 'MZ' as a word is at nt+0; one byte later nothing aligned matches.
    expect(s.exec(`s -w ${addr64(nt)} L10 5a4d`).output.split('\n')).toHaveLength(1);
    expect(s.exec(`s -w ${addr64(nt + 1n)} L10 5a4d`).output).toBe('');
    const q = le(read(nt, 8));
    expect(s.exec(`s -q ${addr64(nt)} L10 ${q.toString(16)}`).output).toBe(`${addr64(nt)}  ${addr64(q)} ${addr64(le(read(nt + 8n, 8)))}`);
  });
  it('errors as kd words them', () => {
    expect(s.exec(`s -b ${addr64(nt)} L10 1ff`).output).toContain('Range error');
    expect(s.exec(`s -x ${addr64(nt)} L10 1`).output).toContain('Syntax error');
    expect(s.exec(`s ${addr64(nt)} L20000000 1`).output).toContain('Range error');
    expect(s.exec(`s -a ${addr64(nt)} L10 MZ`).output).toContain('Syntax error');
  });
});
