// Our assembler against GNU as + objdump (binutils), and disassemble/assemble round trips.
// A corpus generated from the opcode table (every row, several operand combinations, written in
// WinDbg's syntax) is assembled three ways and the results compared as normalized text:
//   A = objdump(GNU as(corpus))     the independent reference
//   B = objdump(our bytes)          checks our encodings with an independent decoder
//   C = our disassembler(our bytes) checks our disassembler's text
// objdump's syntax differs from WinDbg's only in presentation (0x2b vs 2Bh, QWORD PTR, es:[rdi],
// implicit string accumulators, [rax+rax*1]); `normalize` removes those differences.
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { OPCODES, rowMnemonic, type OpcodeRow, type OperandSpec } from '../../emulator/src/cpu/opcodes.ts';
import { assemble } from '../../emulator/src/cpu/assembler.ts';
import { decodeBytes } from '../../emulator/src/cpu/decoder.ts';
import { formatNumber, formatText } from '../../emulator/src/cpu/disassembler.ts';
import type { Instruction } from '../../emulator/src/cpu/instruction.ts';

const hasBinutils = (() => {
  try {
    execFileSync('as', ['--version'], { stdio: 'ignore' });
    execFileSync('objdump', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

// ---- corpus --------------------------------------------------------------------------------

const REGS: Record<number, string[]> = {
  2: ['ax', 'cx', 'r10w', 'sp', 'di'],
  4: ['eax', 'ecx', 'r8d', 'esp', 'ebp', 'r15d'],
  8: ['rax', 'rcx', 'r9', 'rsp', 'r13', 'rdi'],
};
const BYTE_LEGACY = ['al', 'cl', 'ah', 'bh', 'dl'];
const BYTE_REX = ['sil', 'r9b', 'r15b', 'spl', 'bl'];
const MEMS = ['[rax]', '[rsp+8]', '[rbp-80h]', '[r13+rcx*4+10h]', 'gs:[10h]', '[rax*1+10h]', '[r12]', '[rbx+r9*8-7Fh]', 'fs:[rax+1234h]', '[rdx+rcx*2]', '[Lstart]'];
const MEMS_LEGACY = ['[rax]', '[rbp-80h]', 'gs:[10h]', '[rdx+rcx*2]', '[rsp+8]'];
const PTR: Record<number, string> = { 1: 'byte ptr ', 2: 'word ptr ', 4: 'dword ptr ', 8: 'qword ptr ', 16: 'oword ptr ' };
const ACC: Record<number, string> = { 1: 'al', 2: 'ax', 4: 'eax', 8: 'rax' };

function sizesOf(row: OpcodeRow): number[] {
  switch (row.osz) {
    case 'b': return [1];
    case 'v': return [4, 8, 2];
    case 'd64': return [8, 2];
    case 'y': return [4, 8];
    case 'w': return [2];
    default: return [8];
  }
}

function specSize(s: OperandSpec, opSize: number, mem: boolean): number {
  switch (s.size) {
    case 'b': return 1;
    case 'w': return 2;
    case 'd': return 4;
    case 'q': return 8;
    case 'z': return opSize === 8 ? 4 : opSize;
    case 'x': return mem ? 2 : opSize;
    case 'r': return opSize === 8 ? 8 : 4;
    case 'c': return opSize === 8 ? 16 : 8;
    case 'n': case 't': return 0;
    default: return opSize;
  }
}

function immText(s: OperandSpec, opSize: number, k: number): string {
  const neg = (v: bigint, size: number) => formatNumber(BigInt.asUintN(size * 8, v));
  switch (s.size) {
    case 'b': return ['0', '7', '7Fh', '0FFh'][k % 4];
    case 'w': return ['8', '0FFFFh'][k % 2];
    case 's': return ['1', '7Fh', neg(-128n, opSize)][k % 3];
    case 'z': return ['100h', opSize === 2 ? '7FFFh' : '7FFFFFFFh', neg(opSize === 2 ? -0x8000n : -0x80000000n, opSize)][k % 3];
    default: return { 2: '1234h', 4: '12345678h', 8: '1122334455667788h' }[opSize]!;
  }
}

interface CorpusLine {
  text: string;
  row: number;
}

function corpus(): CorpusLine[] {
  const out: CorpusLine[] = [];
  OPCODES.forEach((row, ri) => {
    if (row.mnemonic === 'sal') return; // the /6 alias: both assemblers write `sal` as /4
    const variants = row.plusCC ? 16 : row.operands.length ? 6 : 1;
    for (let k = 0; k < variants; k++) {
      const sizes = sizesOf(row);
      let opSize = sizes[k % sizes.length];
      if (row.op === 'movsxd' && opSize === 2) opSize = 8; // GNU as has no 16-bit movsxd
      if (row.op === 'bswap' && opSize === 2) opSize = 4; // GNU as has no 16-bit bswap (its result is undefined)
      // GNU as writes every `mov reg,sreg` / `mov sreg,reg` in its 32-bit form; ours keeps the
      // register's size (REX.W / 66 forms, SDM Vol. 2B MOV). Compare the form both produce.
      if (row.operands.some((o) => o.kind === 'S') || row.op === 'str') opSize = 4;
      const legacy = k % 3 === 1;
      const bytes = legacy ? BYTE_LEGACY : BYTE_REX;
      const mems = legacy ? MEMS_LEGACY : MEMS;
      const reg = (size: number, j: number) => (size === 1 ? bytes : REGS[size])[(k + j) % (size === 1 ? bytes : REGS[size]).length];
      const useMem = k % 2 === 1;
      let ops: string[] = [];
      let hasMem = false;
      row.operands.forEach((s, j) => {
        switch (s.kind) {
          case 'E': case 'M': {
            if (s.kind === 'E' && (!useMem || row.op === 'mov_sreg' || (row.operands.some((o) => o.kind === 'M' || o.kind === 'O')))) {
              ops.push(reg(specSize(s, opSize, false), j));
            } else {
              hasMem = true;
              const sz = specSize(s, opSize, true);
              ops.push((sz ? PTR[sz] : '') + mems[k % mems.length]);
            }
            break;
          }
          case 'G': case 'R': case 'Z': case 'B':
            ops.push(reg(specSize(s, opSize, false), j + 1));
            break;
          case 'A': ops.push(ACC[opSize]); break;
          case 'CL': ops.push('cl'); break;
          case '1': case '3': ops.push(s.kind); break;
          case 'I': ops.push(immText(s, opSize, k)); break;
          case 'J': ops.push(k % 2 ? 'Lstart' : `Lnext${out.length}`); break;
          case 'O': ops.push(`${PTR[opSize]}[0FFFFF78000000320h]`); break;
          case 'T': ops.push('byte ptr [rbx]'); break;
          case 'X': ops.push(`${PTR[opSize]}[rsi]`); break;
          case 'Y': ops.push(`${PTR[opSize]}[rdi]`); break;
          case 'S': ops.push(['es', 'ss', 'ds', 'fs', 'gs'][k % 5]); break;
          case 'FS': ops.push('fs'); break;
          case 'GS': ops.push('gs'); break;
          case 'C': ops.push(['cr0', 'cr2', 'cr3', 'cr4', 'cr8'][k % 5]); break;
          case 'D': ops.push(['dr0', 'dr3', 'dr6', 'dr7'][k % 4]); break;
          default: throw new Error(`corpus: operand kind ${s.kind}`);
        }
      });
      // Jcc variants cover all 16 conditions (k = condition); loop/jrcxz stay near.
      if (row.operands[0]?.kind === 'J' && (row.op === 'loop' || row.op === 'jrcxz')) ops = [`Lnext${out.length}`];
      let mn = rowMnemonic(row, opSize, k);
      if (row.mnemonic === 'pushw' || (row.op === 'push' && opSize === 2 && row.operands[0].kind === 'I')) mn = 'pushw';
      let prefix = '';
      if (row.rep && k % 2 === 1) prefix = row.repe ? (k % 4 === 1 ? 'repe ' : 'repne ') : 'rep ';
      if (row.lock && hasMem && k % 3 !== 2) prefix = 'lock ';
      const text = `${prefix}${mn}${ops.length ? ' ' + ops.join(',') : ''}`;
      out.push({ text, row: ri });
      if (text.includes(`Lnext${out.length - 1}`)) out[out.length - 1].text += `\nLnext${out.length - 1}:`;
    }
  });
  return out;
}

// ---- normalization -------------------------------------------------------------------------

function normalize(t: string, fromObjdump = false): string {
  let s = t.trim().replace(/\s+/g, ' ');
  // objdump names 9C/9D pushf/popf in 64-bit mode and the 66 forms pushfw/popfw; WinDbg, the SDM
  // and we call them pushfq/popfq and pushf/popf.
  if (fromObjdump) {
    s = s.replace(/^(push|pop)f$/, '$1fq').replace(/^(push|pop)fw$/, '$1f');
    // objdump: iret (CF) / iretw (66 CF) and repz/repnz; WinDbg: iretd / iret and repe/repne.
    s = s.replace(/^iret$/, 'iretd').replace(/^iretw$/, 'iret').replace(/^repz /, 'repe ').replace(/^repnz /, 'repne ');
  }
  s = s.replace(/\[rip[+-]0x[0-9a-f]+\]\s*#\s*[0-9a-f]+ <([^>]+)>/i, '[$1]');
  s = s.replace(/\b[0-9a-f]+ <([^>]+)>/i, '$1');
  s = s.replace(/\s*\(\s*[0-9a-f]{8}`[0-9a-f]{8}\s*\)/g, '').replace(/ \]/g, ']').replace(/ ,/g, ',');
  s = s.replace(/^movabs /, 'mov ');
  // objdump writes an absolute address without brackets: `gs:0x10`, `ds:0xfffff78000000320`.
  s = s.replace(/\b([c-gs]s):(0x[0-9a-f]+)\b(?!\])/gi, (_m, seg, n) => (/^ds$/i.test(seg) ? `[${n}]` : `${seg}:[${n}]`));
  s = s.replace(/\b[de]s:\[/gi, '[');
  s = s.replace(/\+0x0\]/g, ']');
  s = s.replace(/\+(\w+)\*1\]/g, '+$1]').replace(/\+(\w+)\*1([+-])/g, '+$1$2');
  s = s.replace(/\b0x[0-9a-f]+\b/gi, (n) => formatNumber(BigInt(n)));
  s = s.toLowerCase();
  s = s.replace(/^int3$/, 'int 3').replace(/^sysretd$/, 'sysret');
  // String accumulators are implicit in WinDbg's form.
  s = s.replace(/^((?:rep\w* )?(?:stos|scas)) (.*ptr \[rdi\]),(?:al|ax|eax|rax)$/, '$1 $2');
  s = s.replace(/^((?:rep\w* )?(?:lods|scas)) (?:al|ax|eax|rax),(.*)$/, '$1 $2');
  s = s.replace(/^invlpg byte ptr /, 'invlpg ');
  // objdump leaves out the size of an absolute (moffs) operand whose register implies it.
  s = s.replace(/^mov (?:byte|word|dword|qword) ptr (\[[0-9a-f]+h\]),/, 'mov $1,').replace(/^mov (\w+),(?:byte|word|dword|qword) ptr (\[[0-9a-f]+h\])$/, 'mov $1,$2');
  // Register forms of xchg: both operand orders name the same exchange.
  const x = /^((?:lock )?xchg) ([^,]+),([^,]+)$/.exec(s);
  if (x) s = `${x[1]} ${[x[2], x[3]].sort().join(',')}`;
  return s;
}

// ---- binutils ------------------------------------------------------------------------------

function forGas(text: string): string {
  return text
    .replace(/\b([0-9][0-9a-f]*)h\b/gi, '0x$1')
    .replace(/^sysret$/m, 'sysretd');
}

function objdump(dir: string, name: string, source: string): string[] {
  const s = join(dir, `${name}.s`);
  const o = join(dir, `${name}.o`);
  writeFileSync(s, '.intel_syntax noprefix\n' + source + '\n');
  try {
    execFileSync('as', ['--64', '-msyntax=intel', '-mnaked-reg', '-o', o, s], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (e) {
    const src = readFileSync(s, 'utf8').split('\n');
    const msgs = String((e as { stderr?: Buffer }).stderr ?? e).split('\n').map((m) => {
      const n = /\.s:(\d+):/.exec(m);
      return n ? `${m}\n    ${src[Number(n[1]) - 1]}` : m;
    });
    throw new Error(`GNU as rejected the corpus:\n${msgs.join('\n')}`);
  }
  const dump = execFileSync('objdump', ['-d', '-M', 'intel', '-w', o], { encoding: 'utf8', maxBuffer: 64 << 20 });
  const out: string[] = [];
  for (const line of dump.split('\n')) {
    const m = /^\s*[0-9a-f]+:\t[0-9a-f ]+\t(.*)$/.exec(line);
    if (m) out.push(m[1]);
  }
  return out;
}

/** assemble(), with the offending source line in the message of an error. */
function assembleOrExplain(source: string, origin: bigint) {
  try {
    return assemble(source, { origin });
  } catch (e) {
    const line = (e as { line?: number }).line;
    throw new Error(`${(e as Error).message}\n  in: ${line ? source.split('\n')[line - 1] : '?'}`);
  }
}

const hex = (b: ArrayLike<number>) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');

describe('assembler vs GNU as + objdump', () => {
  it.skipIf(!hasBinutils)('assembles a corpus generated from the opcode table as GNU as does', () => {
    const lines = corpus();
    const source = 'Lstart:\n' + lines.map((l) => l.text).join('\n') + '\n';
    const t0 = performance.now();
    const ours = assembleOrExplain(source, 0n);
    const byAddress = new Map<bigint, string>();
    for (const [name, a] of ours.labels) if (!byAddress.has(a)) byAddress.set(a, name);
    const insLines = ours.lines.filter((l) => l.bytes.length > 0);
    expect(insLines.length).toBe(lines.length);

    const dir = mkdtempSync(join(tmpdir(), 'asm-oracle-'));
    try {
      const gasText = objdump(dir, 'gas', forGas(source));
      // Our bytes, with the labels at our addresses so objdump can name branch targets.
      const oursSrc: string[] = [];
      for (const l of ours.lines) {
        const label = /^\s*(\w+):/.exec(l.source);
        if (label) oursSrc.push(`${label[1]}:`);
        if (l.bytes.length) oursSrc.push('.byte ' + Array.from(l.bytes, (b) => '0x' + b.toString(16)).join(','));
      }
      const oursText = objdump(dir, 'ours', oursSrc.join('\n'));
      expect(gasText.length).toBe(lines.length);
      expect(oursText.length).toBe(lines.length);
      const failures: string[] = [];
      insLines.forEach((l, i) => {
        const d = decodeBytes(l.bytes, l.address);
        const mine = 'invalid' in d ? '(undecodable)' : formatText(d as Instruction, { symbolize: (a) => byAddress.get(a) ?? null });
        const a = normalize(gasText[i], true);
        const b = normalize(oursText[i], true);
        const c = normalize(mine);
        if (a !== b || a !== c) failures.push(`${lines[i].text.split('\n')[0]}\n  ours ${hex(l.bytes)}\n  gas+objdump:  ${a}\n  ours+objdump: ${b}\n  ours+disasm:  ${c}`);
      });
      console.log(`assembler oracle: ${lines.length} corpus lines from ${OPCODES.length} table rows; ${failures.length} mismatches; ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      if (failures.length) console.log(failures.slice(0, 40).join('\n'));
      expect(failures.length).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  if (!hasBinutils) console.log('assembler oracle skipped: GNU as / objdump not found on this machine');
});

/** xchg's two operands in a fixed order (`xchg eax,esi` and `xchg esi,eax` are one exchange). */
function sameXchg(text: string): string {
  const x = /^((?:lock )?xchg) +([^,]+),([^,]+)$/.exec(text);
  return x ? `${x[1]} ${[x[2], x[3]].sort().join(',')}` : text;
}

describe('disassemble then assemble', () => {
  it('gives back the corpus bytes (canonical encodings)', () => {
    const lines = corpus();
    const ours = assembleOrExplain('Lstart:\n' + lines.map((l) => l.text).join('\n'), 0x1000n);
    let n = 0;
    for (const l of ours.lines) {
      if (!l.bytes.length) continue;
      const d = decodeBytes(l.bytes, l.address) as Instruction;
      const text = formatText(d);
      const again = assemble(text, { origin: l.address }).bytes;
      expect(`${text} -> ${hex(again)}`).toBe(`${text} -> ${hex(l.bytes)}`);
      n++;
    }
    expect(n).toBe(lines.length);
  });

  it('reassembles the disassembly of generated encodings to the same instruction', () => {
    const seed = Number(process.env.ASM_ROUNDTRIP_SEED ?? Date.now() % 2 ** 31);
    const runs = 20_000;
    const arb = fc.record({ row: fc.nat(OPCODES.length - 1), low: fc.nat(15), modrm: fc.nat(255), rex: fc.option(fc.integer({ min: 0x40, max: 0x4f })), tail: fc.uint8Array({ minLength: 12, maxLength: 12 }) });
    let decoded = 0;
    let identicalBytes = 0;
    let unreachable = 0;
    const bad: string[] = [];
    for (const g of fc.sample(arb, { seed, numRuns: runs })) {
      const r = OPCODES[g.row];
      const head = [...(r.prefix ? [r.prefix] : []), ...(g.rex !== null ? [g.rex] : []), ...(r.map ? [0x0f] : []), ...(r.map >= 2 ? [r.map === 2 ? 0x38 : 0x3a] : []), r.opcode + (r.plusR ? g.low & 7 : r.plusCC ? g.low : 0)];
      if (r.modrm !== -1) head.push(r.fixedModrm >= 0 ? r.fixedModrm : typeof r.modrm === 'number' ? (g.modrm & 0xc7) | (r.modrm << 3) : g.modrm);
      const bytes = Uint8Array.from([...head, ...g.tail]);
      const d = decodeBytes(bytes, 0x7ff612340000n);
      if ('invalid' in d) continue;
      decoded++;
      const text = formatText(d);
      let again: Uint8Array;
      try {
        again = assemble(text, { origin: d.address }).bytes;
      } catch (e) {
        // A rel8-only branch (loop, jrcxz) with redundant prefixes reaches 1-15 bytes farther
        // than the same branch written without them: such targets have no canonical encoding.
        const tooFar = /out of range of a short/.test((e as Error).message) && d.length > 2;
        if (tooFar) unreachable++;
        else bad.push(`${hex(bytes.subarray(0, d.length))} ${text}: ${(e as Error).message}`);
        continue;
      }
      const d2 = decodeBytes(again, d.address);
      const text2 = 'invalid' in d2 ? '(undecodable)' : formatText(d2);
      // The /6 alias of shl prints as sal and reassembles as the canonical /4 (shl).
      if (sameXchg(text2) !== sameXchg(text.replace(/^sal /, 'shl ')) || ('length' in d2 && d2.length !== again.length)) bad.push(`${hex(bytes.subarray(0, d.length))} ${text} -> ${hex(again)} ${text2}`);
      else if (hex(again) === hex(bytes.subarray(0, d.length))) identicalBytes++;
    }
    console.log(`round trip: seed ${seed}; ${decoded} decoded encodings, ${decoded - unreachable} reassembled to the same instruction, ${unreachable} rel8 branches whose prefixes put the target out of plain rel8 reach; ${identicalBytes} byte-identical (the rest use a non-canonical form: redundant prefixes, REX, or a longer encoding)`);
    if (bad.length) console.log(bad.slice(0, 30).join('\n'));
    expect(bad).toEqual([]);
  });
});
