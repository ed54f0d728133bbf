// 64-bit mode instruction decoder, driven by the opcode table.
// Instruction format: SDM Vol. 2A chapter 2 (§2.1 legacy prefixes, ModRM, SIB, displacement,
// immediate; §2.2.1 REX prefixes and RIP-relative addressing; Table 2-2/2-3 ModRM/SIB forms).
// Bytes we do not know come back as `Undecodable`, which the executor turns into #UD.

import type { DecodeResult, FetchByte, Instruction, Operand, SegIndex, Size, Undecodable } from './instruction.ts';
import { OPCODES, rowMnemonic, type OpcodeRow } from './opcodes.ts';
import { operandSizeOf } from './operand-size.ts';

/** Candidate rows per (map, opcode byte): map * 256 + byte, VEX maps 0F 38 / 0F 3A at maps 6 / 7.
 *  Built once from the table. */
const INDEX: (number[] | undefined)[] = new Array(2048);
/** Whether the opcode (map * 256 + byte) is followed by a ModRM byte. */
const HAS_MODRM = new Uint8Array(2048);
const MAP_TEXT = ['', '0F ', '0F 38 ', '0F 3A ', '', 'VEX 0F ', 'VEX 0F 38 ', 'VEX 0F 3A '];
const VEX_PP = [0, 0x66, 0xf3, 0xf2];

OPCODES.forEach((r, i) => {
  const span = r.plusR ? 8 : r.plusCC ? 16 : 1;
  for (let k = 0; k < span; k++) {
    const key = (r.vex ? r.map + 4 : r.map) * 256 + r.opcode + k;
    // Rows with a mandatory prefix are tried first: F3 90 is PAUSE before it is NOP.
    const list = (INDEX[key] ??= []);
    if (r.prefix !== 0) list.splice(list.findIndex((j) => OPCODES[j].prefix === 0) >>> 0, 0, i);
    else list.push(i);
    const m = r.modrm !== -1 ? 1 : 0;
    if (INDEX[key]!.length > 1 && HAS_MODRM[key] !== m) {
      throw new Error(`opcode table: rows for ${r.encoding} disagree about ModRM`);
    }
    HAS_MODRM[key] = m;
  }
});

/** SDM Vol. 1 §3.4.1 / Vol. 2A §2.1.1: a legacy instruction is at most 15 bytes long. */
const MAX_LENGTH = 15;

function undecodable(address: bigint, length: number, reason: string): Undecodable {
  return reason === TOO_LONG ? { address, invalid: true, length, reason, tooLong: true } : { address, invalid: true, length, reason };
}

const TOO_LONG = 'instruction longer than 15 bytes';

/** Segment-override prefix byte -> segment index + 1 (0: not a segment prefix). */
const SEG_PREFIX = new Uint8Array(256);
SEG_PREFIX[0x26] = 1; SEG_PREFIX[0x2e] = 2; SEG_PREFIX[0x36] = 3; SEG_PREFIX[0x3e] = 4; SEG_PREFIX[0x64] = 5; SEG_PREFIX[0x65] = 6;
const SEG_DS: SegIndex = 3;
const SEG_SS: SegIndex = 2;
const SEG_ES: SegIndex = 0;

class Failure {
  reason: string;
  constructor(reason: string) {
    this.reason = reason;
  }
}

/** Valid control registers in 64-bit mode (SDM Vol. 3A §2.5; others raise #UD). */
const VALID_CR = new Set([0, 2, 3, 4, 8]);

/** One-byte opcodes that 64-bit mode leaves invalid, by the instruction they were. */
const LEGACY_SEG_STACK_OPS: Record<number, string> = {
  0x06: 'PUSH ES', 0x07: 'POP ES', 0x0e: 'PUSH CS', 0x16: 'PUSH SS', 0x17: 'POP SS', 0x1e: 'PUSH DS', 0x1f: 'POP DS',
};

export function decode(fetch: FetchByte, address: bigint): DecodeResult {
  let pos = 0;
  let opsz = false;
  let adsz = false;
  let lock = false;
  let rep = 0;
  let seg = -1;
  let rex = 0;
  let b = 0;
  // Legacy prefixes (Vol. 2A §2.1.1), then REX, which counts only immediately before the opcode
  // (Vol. 2A §2.2.1: a REX followed by another prefix is ignored).
  for (;;) {
    if (pos >= MAX_LENGTH) return undecodable(address, pos, TOO_LONG);
    b = fetch(pos);
    if (b === 0x66) opsz = true;
    else if (b === 0x67) adsz = true;
    else if (b === 0xf0) lock = true;
    else if (b === 0xf2 || b === 0xf3) {
      rep = b; // the last of F2/F3 counts (as iced-x86 and the processors we know behave)
    } else if (SEG_PREFIX[b] !== 0) {
      // In 64-bit mode ES/CS/SS/DS overrides are ignored (Vol. 1 §3.3.7.1); of FS and GS the last
      // one counts, and an ignored prefix never displaces them.
      const s = SEG_PREFIX[b] - 1;
      if (s >= 4 || seg < 4) seg = s;
    } else if ((b & 0xf0) === 0x40) {
      rex = b;
      pos++;
      continue;
    } else break;
    rex = 0;
    pos++;
  }
  let map = 0;
  // VEX (SDM Vol. 2A §2.3.5): C4 RXB.mmmmm W.vvvv.L.pp / C5 R.vvvv.L.pp; in 64-bit mode C4/C5 are
  // always VEX. A LOCK, 66, F2, F3 or REX before it raises #UD (§2.3.2).
  let vvvv = -1, vexL = 0;
  if (b === 0xc4 || b === 0xc5) {
    if (lock || opsz || rep !== 0 || rex !== 0) return undecodable(address, pos + 1, 'prefix before VEX');
    const two = b === 0xc5;
    if (pos + (two ? 2 : 3) >= MAX_LENGTH) return undecodable(address, pos, TOO_LONG);
    const p1 = fetch(++pos);
    let p2 = p1;
    if (two) { rex = 0x40 | (p1 & 0x80 ? 0 : 4); map = 1; }
    else {
      rex = 0x40 | (p1 & 0x80 ? 0 : 4) | (p1 & 0x40 ? 0 : 2) | (p1 & 0x20 ? 0 : 1);
      map = p1 & 0x1f;
      p2 = fetch(++pos);
      if (p2 & 0x80) rex |= 8;
    }
    vvvv = (~p2 >>> 3) & 15;
    vexL = (p2 >>> 2) & 1;
    rep = VEX_PP[p2 & 3] === 0x66 ? 0 : VEX_PP[p2 & 3];
    opsz = (p2 & 3) === 1;
    pos++;
    if (map < 1 || map > 3) return undecodable(address, pos, `VEX map ${map} not supported`);
    b = fetch(pos);
    map += 4;
  } else if (b === 0x0f) {
    pos++;
    if (pos >= MAX_LENGTH) return undecodable(address, pos, TOO_LONG);
    b = fetch(pos);
    map = 1;
    if (b === 0x38 || b === 0x3a) { // three-byte opcodes (Vol. 2A §2.1.2)
      map = b === 0x38 ? 2 : 3;
      pos++;
      if (pos >= MAX_LENGTH) return undecodable(address, pos, TOO_LONG);
      b = fetch(pos);
    }
  }
  pos++;
  const key = map * 256 + b;
  const cands = INDEX[key];
  if (cands === undefined) {
    // PUSH/POP of ES, CS, SS, DS are invalid in 64-bit mode (#UD; Vol. 2B POP and PUSH pages,
    // "Invalid" in the 64-Bit Mode column of 07h, 17h, 1Fh, 06h, 0Eh, 16h, 1Eh).
    const legacy = map === 0 ? LEGACY_SEG_STACK_OPS[b] : undefined;
    if (legacy) return undecodable(address, pos, `${legacy} is invalid in 64-bit mode`);
    return undecodable(address, pos, `unsupported opcode ${MAP_TEXT[map]}${hex2(b)}`);
  }
  if (vvvv >= 0 && vexL !== 0) return undecodable(address, pos, 'VEX.L = 1 on an instruction that needs L = 0');
  let modrm = -1;
  if (HAS_MODRM[key]) {
    if (pos >= MAX_LENGTH) return undecodable(address, pos, TOO_LONG);
    modrm = fetch(pos++);
  }
  // The mandatory prefix of 0F-map rows: F2/F3 if present, else 66 (Vol. 2A §2.1.2 "Opcodes").
  const mandatory = rep !== 0 ? rep : opsz ? 0x66 : 0;
  let row: OpcodeRow | null = null;
  let rowIndex = -1;
  for (let c = 0; c < cands.length; c++) {
    const r = OPCODES[cands[c]];
    if (r.prefix !== 0 || r.vex) {
      if (r.prefix !== mandatory) continue; // VEX.pp must match exactly
    } else if (r.strictPrefixes && (rep !== 0 || opsz)) continue;
    else if (r.noRep && rep !== 0) continue;
    if (modrm >= 0) {
      if (typeof r.modrm === 'number' && ((modrm >> 3) & 7) !== r.modrm) continue;
      if (r.mod === 'mem' && modrm >= 0xc0) continue;
      if (r.mod === 'reg' && modrm < 0xc0) continue;
      if (r.fixedModrm >= 0 && modrm !== r.fixedModrm) continue;
    }
    if (r.noRexB && (rex & 1) !== 0) continue;
    row = r;
    rowIndex = cands[c];
    break;
  }
  if (row === null) {
    return undecodable(address, pos, `unsupported encoding of opcode ${MAP_TEXT[map]}${hex2(b)}${modrm >= 0 ? ' /' + ((modrm >> 3) & 7) : ''}`);
  }

  // Operand size (Vol. 1 §3.6.1 Table 3-4; Vol. 2A §2.2.1.7 default 64-bit operand size).
  const W = (rex & 8) !== 0;
  const opsz66 = opsz && row.prefix !== 0x66;
  // An instruction without a VEX.vvvv operand requires vvvv = 1111b (§2.3.6).
  if (vvvv > 0 && !row.operands.some((o) => o.kind === 'B')) return undecodable(address, pos, 'VEX.vvvv must be 1111b');
  let opSize: Size;
  switch (row.osz) {
    case 'b': opSize = 1; break;
    case 'v': opSize = W ? 8 : opsz66 ? 2 : 4; break;
    case 'd64': opSize = W ? 8 : opsz66 ? 2 : 8; break;
    case 'w': opSize = 2; break;
    case 'f64': opSize = 8; break;
    case 'q':
      if (opsz66) return undecodable(address, pos, 'operand-size prefix not supported here');
      opSize = 8;
      break;
    case 'y':
      if (opsz66) return undecodable(address, pos, 'operand-size prefix not supported here');
      opSize = W ? 8 : 4;
      break;
    default: opSize = 4;
  }
  // MOV to/from CRn/DRn ignore ModRM.mod: the r/m field always names a register (Vol. 2B
  // "MOV—Move to/from Control Registers": "the 2 bits in the mod field are ignored").
  const modIgnored = row.op.startsWith('mov_') && row.op !== 'mov_sreg';
  const isMem = modrm >= 0 && modrm < 0xc0 && !modIgnored;
  // LOCK: legal only on the listed read-modify-write forms with a memory destination
  // (SDM Vol. 2A §3.2 "LOCK—Assert LOCK# Signal Prefix": otherwise #UD).
  if (lock && !(row.lock && isMem)) return undecodable(address, pos, 'LOCK prefix not allowed on this instruction');

  const addrSize: 4 | 8 = adsz ? 4 : 8;
  const segOverride = seg === 4 || seg === 5; // ES/CS/SS/DS overrides are ignored in 64-bit mode (Vol. 1 §3.3.7.1)

  try {
    // ModRM memory operand: SIB and displacement come before any immediate (Vol. 2A Figure 2-1).
    let mem: Operand | null = null;
    if (isMem) {
      const mod = modrm >> 6;
      const rm = modrm & 7;
      let base: number | 'rip' | null;
      let index: number | null = null;
      let scale: 1 | 2 | 4 | 8 = 1;
      let disp = 0n;
      let dispBytes = mod === 1 ? 1 : mod === 2 ? 4 : 0;
      if (rm === 4) {
        if (pos >= MAX_LENGTH) throw new Failure(TOO_LONG);
        const sib = fetch(pos++);
        const sb = sib & 7;
        const si = ((sib >> 3) & 7) | ((rex & 2) << 2);
        scale = (1 << (sib >> 6)) as 1 | 2 | 4 | 8;
        if (si !== 4) index = si; // index 100b without REX.X means "no index" (Table 2-3)
        if (sb === 5 && mod === 0) {
          base = null;
          dispBytes = 4;
        } else base = sb | ((rex & 1) << 3);
      } else if (rm === 5 && mod === 0) {
        base = 'rip'; // Vol. 2A §2.2.1.6 RIP-relative addressing
        dispBytes = 4;
      } else base = rm | ((rex & 1) << 3);
      if (dispBytes) {
        if (pos + dispBytes > MAX_LENGTH) throw new Failure(TOO_LONG);
        disp = readSigned(fetch, pos, dispBytes);
        pos += dispBytes;
      }
      const defSeg: SegIndex = base === 4 || base === 5 ? SEG_SS : SEG_DS;
      mem = {
        kind: 'mem', size: 0, seg: segOverride ? (seg as SegIndex) : defSeg, segOverride,
        base, index, scale, disp, addrSize,
      };
    }

    const operands: Operand[] = [];
    const regField = modrm >= 0 ? ((modrm >> 3) & 7) | ((rex & 4) << 1) : 0;
    const rmReg = modrm >= 0 ? (modrm & 7) | ((rex & 1) << 3) : 0;
    const gpr = (reg: number, size: Size): Operand =>
      size === 1 && rex === 0 && reg >= 4 && reg < 8 ? { kind: 'reg', reg, size, high8: true } : { kind: 'reg', reg, size };
    let relBytes = 0;
    let relSize: Size = 8;
    for (const spec of row.operands) {
      const k = spec.kind;
      const size = operandSizeOf(spec.size, opSize, isMem);
      switch (k) {
        case 'E':
          operands.push(isMem ? { ...(mem as Operand & { kind: 'mem' }), size } : gpr(rmReg, size as Size));
          break;
        case 'M':
          if (!isMem) throw new Failure('register operand where memory is required');
          operands.push({ ...(mem as Operand & { kind: 'mem' }), size });
          break;
        case 'G':
          operands.push(gpr(regField, size as Size));
          break;
        case 'R':
          operands.push(gpr(rmReg, size as Size));
          break;
        case 'Z':
          operands.push(gpr((b & 7) | ((rex & 1) << 3), size as Size));
          break;
        case 'B':
          operands.push(gpr(vvvv, size as Size));
          break;
        case 'A':
          operands.push({ kind: 'reg', reg: 0, size: size as Size });
          break;
        case 'CL':
          operands.push({ kind: 'reg', reg: 1, size: 1 });
          break;
        case '1':
        case '3':
          operands.push({ kind: 'imm', value: BigInt(k), size: 1 });
          break;
        case 'I': {
          let n: number;
          let signed: boolean;
          if (spec.size === 'b') { n = 1; signed = false; }
          else if (spec.size === 'w') { n = 2; signed = false; }
          else if (spec.size === 's') { n = 1; signed = true; }
          else if (spec.size === 'z') { n = opSize === 2 ? 2 : 4; signed = true; }
          else { n = opSize; signed = false; } // 'v': mov r64, imm64
          if (pos + n > MAX_LENGTH) throw new Failure(TOO_LONG);
          const outSize: Size = spec.size === 'b' ? 1 : spec.size === 'w' ? 2 : opSize;
          let v = signed ? readSigned(fetch, pos, n) : readUnsigned(fetch, pos, n);
          pos += n;
          if (v < 0n) v = BigInt.asUintN(outSize * 8, v);
          operands.push({ kind: 'imm', value: v, size: outSize });
          break;
        }
        case 'J':
          relBytes = spec.size === 'b' ? 1 : 4;
          relSize = relBytes as Size;
          operands.push({ kind: 'rel', target: 0n, size: relSize });
          break;
        case 'O': {
          const n = addrSize;
          if (pos + n > MAX_LENGTH) throw new Failure(TOO_LONG);
          const disp = readUnsigned(fetch, pos, n);
          pos += n;
          operands.push({
            kind: 'mem', size, seg: segOverride ? (seg as SegIndex) : SEG_DS, segOverride,
            base: null, index: null, scale: 1, disp, addrSize,
          });
          break;
        }
        case 'T':
          // XLAT's table: [rBX] (AL is added at execution; Vol. 2C XLAT/XLATB).
          operands.push({
            kind: 'mem', size, seg: segOverride ? (seg as SegIndex) : SEG_DS, segOverride,
            base: 3, index: null, scale: 1, disp: 0n, addrSize,
          });
          break;
        case 'X':
          operands.push({
            kind: 'mem', size, seg: segOverride ? (seg as SegIndex) : SEG_DS, segOverride,
            base: 6, index: null, scale: 1, disp: 0n, addrSize,
          });
          break;
        case 'Y':
          // The destination string is always ES:[rdi]; no override applies (Vol. 2B MOVS).
          operands.push({
            kind: 'mem', size, seg: SEG_ES, segOverride: false, base: 7, index: null, scale: 1, disp: 0n, addrSize,
          });
          break;
        case 'S': {
          const s = (modrm >> 3) & 7;
          if (s > 5) throw new Failure('no such segment register');
          // MOV to CS is #UD (Vol. 2B MOV: "If attempt is made to load the CS register").
          if (row.op === 'mov_sreg' && s === 1) throw new Failure('mov to cs');
          operands.push({ kind: 'sreg', reg: s as SegIndex });
          break;
        }
        case 'FS':
          operands.push({ kind: 'sreg', reg: 4 });
          break;
        case 'GS':
          operands.push({ kind: 'sreg', reg: 5 });
          break;
        case 'C':
          if (!VALID_CR.has(regField)) throw new Failure(`no control register cr${regField}`);
          operands.push({ kind: 'cr', reg: regField });
          break;
        case 'D':
          if (regField > 7) throw new Failure('no debug register above dr7'); // REX.R -> #UD (Vol. 2B MOV DRn)
          operands.push({ kind: 'dr', reg: regField });
          break;
        default:
          throw new Error(`opcode table: unknown operand kind ${k}`);
      }
    }
    if (relBytes) {
      if (pos + relBytes > MAX_LENGTH) throw new Failure(TOO_LONG);
      const d = readSigned(fetch, pos, relBytes);
      pos += relBytes;
      const target = BigInt.asUintN(64, address + BigInt(pos) + d);
      for (const o of operands) if (o.kind === 'rel') o.target = target;
    }

    let cond: number | undefined;
    if (row.plusCC) cond = b - row.opcode;
    else if (row.op === 'loop') cond = b === 0xe0 ? 5 : b === 0xe1 ? 4 : undefined;
    let mnemonic = rowMnemonic(row, opSize, cond);
    // A 16-bit push of an immediate has no register to show its size: MASM spells it pushw.
    if (row.op === 'push' && opSize === 2 && operands[0].kind === 'imm') mnemonic = 'pushw';
    // With a 67 prefix the count register is ECX (Vol. 2A LOOP/LOOPcc, Jcc); MASM names these
    // forms jecxz / loopd / looped / loopned.
    if (addrSize === 4) {
      if (row.op === 'jrcxz') mnemonic = 'jecxz';
      else if (row.op === 'loop') mnemonic = mnemonic.replace(/^loop(n?e?)$/, 'loop$1d');
    }

    const ins: Instruction = {
      address,
      length: pos,
      mnemonic,
      op: row.op,
      operands,
      opSize,
      addrSize,
      prefixes: {
        lock,
        rep: row.rep ? (rep === 0xf3 ? 'rep' : rep === 0xf2 ? 'repne' : null) : null,
        seg: seg === -1 ? null : (seg as SegIndex),
        opSize: opsz,
        addrSize: adsz,
        rex: vvvv >= 0 ? 0 : rex,
      },
      row: rowIndex,
    };
    if (cond !== undefined) ins.cond = cond;
    return ins;
  } catch (e) {
    if (e instanceof Failure) return undecodable(address, pos, e.reason);
    throw e;
  }
}

/** Reads an n-byte little-endian field, fetching its bytes first to last: a field that runs into
 *  a page that cannot be fetched faults on the first missing byte (CR2, SDM Vol. 3A §4.7). */
function readUnsigned(fetch: FetchByte, pos: number, n: number): bigint {
  if (n <= 4) {
    let v = 0;
    for (let i = 0; i < n; i++) v += fetch(pos + i) * 2 ** (8 * i);
    return BigInt(v);
  }
  let lo = 0;
  let hi = 0;
  for (let i = 0; i < 4; i++) lo += fetch(pos + i) * 2 ** (8 * i);
  for (let i = 4; i < n; i++) hi += fetch(pos + i) * 2 ** (8 * (i - 4));
  return (BigInt(hi) << 32n) | BigInt(lo);
}

function readSigned(fetch: FetchByte, pos: number, n: number): bigint {
  const u = readUnsigned(fetch, pos, n);
  return BigInt.asIntN(n * 8, u);
}

function hex2(b: number): string {
  return b.toString(16).toUpperCase().padStart(2, '0');
}

/** Convenience for tests and tools: decode from a byte array. Bytes past the end read as a fetch
 *  error, reported as Undecodable. */
export function decodeBytes(bytes: Uint8Array, address: bigint = 0n): DecodeResult {
  const fetch: FetchByte = (i) => {
    if (i >= bytes.length) throw PAST_END;
    return bytes[i];
  };
  try {
    return decode(fetch, address);
  } catch (e) {
    if (e === PAST_END) return undecodable(address, bytes.length, 'instruction runs past the end of the bytes');
    throw e;
  }
}

const PAST_END = new Failure('past the end of the bytes');
