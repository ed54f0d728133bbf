// The one opcode table: every instruction the CPU knows, as rows that the decoder, the assembler,
// the disassembler and the tests all iterate. Adding an instruction = adding a row here and a
// semantics function for its `op` key.
//
// Encoding notation (SDM Vol. 2A §3.1.1.1 "Opcode Column in the Instruction Summary Table"):
//   `[66|F2|F3] [0F] XX [+r|+cc] [/r|/0../7] [mem|reg] [=XX]`
//   - a leading 66/F2/F3 is a mandatory prefix (only on 0F-map rows here);
//   - `+r` adds a register number to the last opcode byte (REX.B extends it);
//   - `+cc` spans 16 opcodes, the low nibble being the condition (SDM Vol. 1 Appendix B);
//   - `/r` has a ModRM byte whose reg field is an operand, `/0../7` one whose reg field extends the
//     opcode; `mem` / `reg` restrict ModRM.mod to memory (≠ 11b) or register (= 11b) forms;
//   - `=XX` requires the whole ModRM byte to be XX (e.g. SWAPGS 0F 01 F8).
//
// Operand notation (after the SDM's Appendix A "Opcode Map" codes, Vol. 2D §A.2):
//   E r/m, G reg field, M r/m memory only, R r/m register only, Z register in the opcode's low bits,
//   I immediate, J relative branch, B the register VEX.vvvv names, T XLAT's table [rBX], O moffs (absolute address), X [rsi] source string,
//   Y [rdi] destination string, S segment register in reg field, C control register, D debug
//   register, A accumulator (al/ax/eax/rax), CL, 1 (the constant of the shift-by-one forms),
//   3 (the implicit vector of INT3, which WinDbg prints as `int 3`), FS / GS fixed segment registers.
//   Size suffixes: b 8, w 16, d 32, q 64, v the instruction's operand size (16/32/64),
//   z min(operand size, 32) (Iz: imm16/imm32, sign-extended to 64 when the operand size is 64),
//   s imm8 sign-extended to the operand size, y 32/64, t the 10-byte pseudo-descriptor,
//   n no size (lea, invlpg), x: register at the operand size / memory word (mov Sreg, str),
//   r 32, or 64 with REX.W, whatever 66 says (crc32's destination), c 8 bytes, 16 with REX.W
//   (cmpxchg8b / cmpxchg16b).
//
// Operand-size classes (`osz`, SDM Vol. 1 §3.6.1, Vol. 2A §2.2.1.2 and §2.2.1.7):
//   b    byte instruction (66 and REX.W do not change it);
//   v    32 by default, 66 -> 16, REX.W -> 64 (REX.W wins over 66);
//   d64  64 by default, 66 -> 16, cannot encode 32 (push, pop, 64-bit mode defaults);
//   f64  always 64; 66 is ignored (near branches: Intel 64 ignores it, Vol. 2A §2.2.1.7 and
//        JMP/CALL/RET "64-bit mode" notes; AMD would use 16 bits, we model Intel);
//   q    always 64; 66 declined (no row uses it now: LEAVE and PUSH/POP FS/GS are d64, their 66
//        forms 16-bit as the SDM's PUSH, POP and LEAVE pages give them);
//   y    32 by default, REX.W -> 64, 66 declined;
//   w    always 16;
//   n    operand size is irrelevant; 66 and REX.W are ignored.
//
// Semantics keys (`op`), one executor function each (grouped as semantics/ is):
//   alu:     add or adc sbb and sub xor cmp test inc dec neg not
//   muldiv:  mul imul (1, 2 and 3 operands: operands.length says which) div idiv
//   shift:   rol ror rcl rcr shl shr sar shld shrd
//   bits:    bt bts btr btc bsf bsr popcnt lzcnt tzcnt bswap
//   data:    mov movzx movsx movsxd lea xchg xadd cmpxchg cmpxchg8b cmovcc setcc cbw (cbw/cwde/cdqe
//            by opSize) cwd (cwd/cdq/cqo) mov_sreg (to a segment register) nop xlat
//   bitmanip: crc32 adcx adox movbe andn bextr blsi blsmsk blsr bzhi pdep pext mulx rorx sarx
//            shlx shrx
//   segdesc: lar lsl verr verw
//   stack:   push pop pushf popf leave enter
//   control: jmp jcc call ret loop (loop/loope/loopne: see `cond`, 4 = e, 5 = ne, undefined =
//            plain) jrcxz int3 int iret hlt ud2 syscall sysret
//   string:  movs stos lods cmps scas (prefixes.rep: 'rep' = F3 (rep/repe), 'repne' = F2)
//   system:  rdmsr wrmsr mov_cr (to CRn) mov_from_cr mov_dr mov_from_dr lgdt lidt sgdt sidt ltr
//            str invlpg cli sti clc stc cld std stac clac cpuid rdtsc rdtscp rdfsbase rdgsbase
//            wrfsbase wrgsbase lfence mfence sfence pause ldmxcsr stmxcsr swapgs sahf lahf cmc
//            prefetch clflush rdrand rdseed rdpid xgetbv
//
// Flags: L = LOCK allowed when the destination is memory (SDM Vol. 2A §3.2 "LOCK"; elsewhere
// LOCK raises #UD); R = string instruction taking rep (F3) / F2; E = compare string (repe/repne);
// B0 = matches only without REX.B (opcode 90 is NOP, 41 90 is xchg r8,rax); S = strict prefixes:
// no 66/F2/F3 beyond a mandatory one (on the register forms of 0F 01 and on 0F AE those prefixes
// select other instructions, which we do not model, so they decode as #UD here); N = no F2/F3
// (66 allowed: RDRAND/RDSEED, where F3 selects RDPID or another instruction). Elsewhere a 66
// without meaning and F2/F3 on non-string instructions are ignored, as the processor does.
//
// The decoder adjusts a few mnemonics to the prefixes, as MASM and WinDbg spell them: jecxz and
// loopd/looped/loopned with a 67 prefix (ECX counts), pushw for a 16-bit push of an immediate.

import { addExtendedRows } from './opcodes-extended.ts';

export type Osz = 'b' | 'v' | 'd64' | 'f64' | 'q' | 'y' | 'w' | 'n';

export interface OperandSpec {
  /** E G M R Z I J O X Y S C D A CL 1 FS GS */
  kind: string;
  /** b w d q v z s y t n x (see above) */
  size: string;
}

export interface OpcodeRow {
  /** WinDbg mnemonic; for size-dependent names, the name at each operand size. `cc` rows hold
   *  the stem with `*` where the condition name goes (`j*`, `set*`, `cmov*`). */
  mnemonic: string;
  /** Mnemonics by operand size when they differ (cbw/cwde/cdqe, iretd/iretq, ...). */
  mnemonicBySize: Partial<Record<number, string>> | null;
  op: string;
  /** 0x66 / 0xF2 / 0xF3 when mandatory, else 0. */
  prefix: number;
  /** 0 one-byte map, 1 the 0F map, 2 the 0F 38 map, 3 the 0F 3A map (SDM Vol. 2A §2.1.2). */
  map: 0 | 1 | 2 | 3;
  /** Opcode byte within the map (for +r / +cc rows, the first of the range). */
  opcode: number;
  /** 'r' reg field is an operand, 0..7 opcode extension, -1 no ModRM. */
  modrm: 'r' | number;
  mod: 'any' | 'mem' | 'reg';
  /** Whole ModRM byte required (0F 01 F8), else -1. */
  fixedModrm: number;
  plusR: boolean;
  plusCC: boolean;
  operands: OperandSpec[];
  osz: Osz;
  lock: boolean;
  rep: boolean;
  repe: boolean;
  noRexB: boolean;
  strictPrefixes: boolean;
  /** No F2/F3 (66 is allowed): with them the encoding is another instruction or invalid. */
  noRep: boolean;
  /** VEX-encoded (SDM Vol. 2A §2.3): `prefix` is VEX.pp, `map` VEX.mmmmm, VEX.W the operand size
   *  (osz y), VEX.L must be 0, VEX.vvvv is the B operand (or must be 1111b without one). */
  vex: boolean;
  /** SDM citation: volume and the instruction's reference page. */
  cite: string;
  /** The text of the encoding, as written in the table (for messages and tests). */
  encoding: string;
}

/** Condition-code names as WinDbg prints them, indexed by the low nibble of the opcode
 *  (SDM Vol. 1 Appendix B, Table B-1). */
export const CC_NAMES = ['o', 'no', 'b', 'ae', 'e', 'ne', 'be', 'a', 's', 'ns', 'p', 'np', 'l', 'ge', 'le', 'g'] as const;

/** Other spellings the assembler accepts, mapped to the condition number. */
export const CC_ALIASES: Record<string, number> = {
  c: 2, nae: 2, nb: 3, nc: 3, z: 4, nz: 5, na: 6, nbe: 7, pe: 10, po: 11, nge: 12, nl: 13, ng: 14, nle: 15,
};

// SDM Vol. 2 is split by mnemonic: 2A A–L, 2B M–U, 2C V–Z.
function cite(page: string): string {
  const c = page[0].toUpperCase();
  const vol = c <= 'L' ? '2A' : c <= 'U' ? '2B' : '2C';
  return `SDM Vol. ${vol}, ${page}`;
}

function parseOperands(text: string): OperandSpec[] {
  if (text === '') return [];
  return text.split(',').map((t) => {
    if (t === 'CL' || t === '1' || t === '3' || t === 'FS' || t === 'GS') return { kind: t, size: t === 'CL' ? 'b' : '' };
    return { kind: t[0], size: t.slice(1) };
  });
}

function parseEncoding(enc: string): Pick<OpcodeRow, 'prefix' | 'map' | 'opcode' | 'modrm' | 'mod' | 'fixedModrm' | 'plusR' | 'plusCC' | 'vex'> {
  const toks = enc.split(/\s+/);
  let i = 0;
  const vex = toks[0] === 'VEX';
  if (vex) i++;
  let prefix = 0;
  if ((toks[i] === '66' || toks[i] === 'F2' || toks[i] === 'F3') && toks.length > i + 1) {
    prefix = parseInt(toks[i], 16);
    i++;
  }
  let map: 0 | 1 | 2 | 3 = 0;
  if (toks[i] === '0F' && i + 1 < toks.length && /^[0-9A-F]{2}/.test(toks[i + 1])) {
    map = 1;
    i++;
    // Three-byte opcodes: 0F 38 xx and 0F 3A xx.
    if ((toks[i] === '38' || toks[i] === '3A') && i + 1 < toks.length && /^[0-9A-F]{2}/.test(toks[i + 1])) {
      map = toks[i] === '38' ? 2 : 3;
      i++;
    }
  }
  const opTok = toks[i++];
  const opcode = parseInt(opTok.slice(0, 2), 16);
  const plusR = opTok.endsWith('+r');
  const plusCC = opTok.endsWith('+cc');
  let modrm: 'r' | number = -1;
  let mod: 'any' | 'mem' | 'reg' = 'any';
  let fixedModrm = -1;
  for (; i < toks.length; i++) {
    const t = toks[i];
    if (t === '/r') modrm = 'r';
    else if (/^\/[0-7]$/.test(t)) modrm = Number(t[1]);
    else if (t === 'mem' || t === 'reg') mod = t;
    else if (t.startsWith('=')) {
      fixedModrm = parseInt(t.slice(1), 16);
      modrm = (fixedModrm >> 3) & 7;
      mod = 'reg';
    } else throw new Error(`opcode table: bad encoding token '${t}' in '${enc}'`);
  }
  return { prefix, map, opcode, modrm, mod, fixedModrm, plusR, plusCC, vex };
}

const SIZE_ORDER: Record<string, number[]> = { v: [2, 4, 8], d64: [2, 8], y: [4, 8] };

function row(mnemonic: string, op: string, enc: string, ops: string, osz: Osz, flags: string, page: string): OpcodeRow {
  const names = mnemonic.split('|');
  let bySize: Partial<Record<number, string>> | null = null;
  if (names.length > 1) {
    const sizes = SIZE_ORDER[osz];
    if (!sizes || sizes.length !== names.length) throw new Error(`opcode table: ${mnemonic} needs ${osz} sizes`);
    bySize = {};
    sizes.forEach((s, k) => (bySize![s] = names[k]));
  }
  return {
    mnemonic: names[names.length - 1],
    mnemonicBySize: bySize,
    op,
    ...parseEncoding(enc),
    operands: parseOperands(ops),
    osz,
    lock: flags.includes('L'),
    rep: flags.includes('R') || flags.includes('E'),
    repe: flags.includes('E'),
    noRexB: flags.includes('B0'),
    strictPrefixes: flags.includes('S'),
    noRep: flags.includes('N'),
    cite: cite(page),
    encoding: enc,
  };
}

const rows: OpcodeRow[] = [];
const add = (...a: Parameters<typeof row>) => rows.push(row(...a));

// --- Arithmetic and logic: the eight classic ALU operations share one layout
// (SDM Vol. 2D Table A-2, rows 0-3 of the one-byte map; group 1 = 80/81/83 /digit).
const ALU: [string, number, string][] = [
  ['add', 0x00, 'ADD'], ['or', 0x08, 'OR'], ['adc', 0x10, 'ADC'], ['sbb', 0x18, 'SBB'],
  ['and', 0x20, 'AND'], ['sub', 0x28, 'SUB'], ['xor', 0x30, 'XOR'], ['cmp', 0x38, 'CMP'],
];
const hex = (n: number) => n.toString(16).toUpperCase().padStart(2, '0');
for (const [name, base, page] of ALU) {
  const L = name === 'cmp' ? '' : 'L';
  add(name, name, `${hex(base)} /r`, 'Eb,Gb', 'b', L, page);
  add(name, name, `${hex(base + 1)} /r`, 'Ev,Gv', 'v', L, page);
  add(name, name, `${hex(base + 2)} /r`, 'Gb,Eb', 'b', '', page);
  add(name, name, `${hex(base + 3)} /r`, 'Gv,Ev', 'v', '', page);
  add(name, name, `${hex(base + 4)}`, 'Ab,Ib', 'b', '', page);
  add(name, name, `${hex(base + 5)}`, 'Av,Iz', 'v', '', page);
}
ALU.forEach(([name, , page], digit) => {
  const L = name === 'cmp' ? '' : 'L';
  add(name, name, `80 /${digit}`, 'Eb,Ib', 'b', L, page);
  add(name, name, `81 /${digit}`, 'Ev,Iz', 'v', L, page);
  add(name, name, `83 /${digit}`, 'Ev,Is', 'v', L, page);
});
add('test', 'test', '84 /r', 'Eb,Gb', 'b', '', 'TEST');
add('test', 'test', '85 /r', 'Ev,Gv', 'v', '', 'TEST');
add('test', 'test', 'A8', 'Ab,Ib', 'b', '', 'TEST');
add('test', 'test', 'A9', 'Av,Iz', 'v', '', 'TEST');
add('test', 'test', 'F6 /0', 'Eb,Ib', 'b', '', 'TEST');
add('test', 'test', 'F7 /0', 'Ev,Iz', 'v', '', 'TEST');
add('not', 'not', 'F6 /2', 'Eb', 'b', 'L', 'NOT');
add('not', 'not', 'F7 /2', 'Ev', 'v', 'L', 'NOT');
add('neg', 'neg', 'F6 /3', 'Eb', 'b', 'L', 'NEG');
add('neg', 'neg', 'F7 /3', 'Ev', 'v', 'L', 'NEG');
add('mul', 'mul', 'F6 /4', 'Eb', 'b', '', 'MUL');
add('mul', 'mul', 'F7 /4', 'Ev', 'v', '', 'MUL');
add('imul', 'imul', 'F6 /5', 'Eb', 'b', '', 'IMUL');
add('imul', 'imul', 'F7 /5', 'Ev', 'v', '', 'IMUL');
add('div', 'div', 'F6 /6', 'Eb', 'b', '', 'DIV');
add('div', 'div', 'F7 /6', 'Ev', 'v', '', 'DIV');
add('idiv', 'idiv', 'F6 /7', 'Eb', 'b', '', 'IDIV');
add('idiv', 'idiv', 'F7 /7', 'Ev', 'v', '', 'IDIV');
add('imul', 'imul', '0F AF /r', 'Gv,Ev', 'v', '', 'IMUL');
add('imul', 'imul', '69 /r', 'Gv,Ev,Iz', 'v', '', 'IMUL');
add('imul', 'imul', '6B /r', 'Gv,Ev,Is', 'v', '', 'IMUL');
add('inc', 'inc', 'FE /0', 'Eb', 'b', 'L', 'INC');
add('dec', 'dec', 'FE /1', 'Eb', 'b', 'L', 'DEC');
add('inc', 'inc', 'FF /0', 'Ev', 'v', 'L', 'INC');
add('dec', 'dec', 'FF /1', 'Ev', 'v', 'L', 'DEC');

// --- Shifts and rotates: group 2 (SDM Vol. 2D Table A-6). /6 is an undocumented alias of /4
// that the hardware executes as SHL; WinDbg and iced call it `sal`.
const SHIFTS: [string, string, string][] = [
  ['rol', 'rol', 'RCL/RCR/ROL/ROR'], ['ror', 'ror', 'RCL/RCR/ROL/ROR'], ['rcl', 'rcl', 'RCL/RCR/ROL/ROR'],
  ['rcr', 'rcr', 'RCL/RCR/ROL/ROR'], ['shl', 'shl', 'SAL/SAR/SHL/SHR'], ['shr', 'shr', 'SAL/SAR/SHL/SHR'],
  ['sal', 'shl', 'SAL/SAR/SHL/SHR'], ['sar', 'sar', 'SAL/SAR/SHL/SHR'],
];
SHIFTS.forEach(([name, op, page], d) => {
  add(name, op, `C0 /${d}`, 'Eb,Ib', 'b', '', page);
  add(name, op, `C1 /${d}`, 'Ev,Ib', 'v', '', page);
  add(name, op, `D0 /${d}`, 'Eb,1', 'b', '', page);
  add(name, op, `D1 /${d}`, 'Ev,1', 'v', '', page);
  add(name, op, `D2 /${d}`, 'Eb,CL', 'b', '', page);
  add(name, op, `D3 /${d}`, 'Ev,CL', 'v', '', page);
});
add('shld', 'shld', '0F A4 /r', 'Ev,Gv,Ib', 'v', '', 'SHLD');
add('shld', 'shld', '0F A5 /r', 'Ev,Gv,CL', 'v', '', 'SHLD');
add('shrd', 'shrd', '0F AC /r', 'Ev,Gv,Ib', 'v', '', 'SHRD');
add('shrd', 'shrd', '0F AD /r', 'Ev,Gv,CL', 'v', '', 'SHRD');

// --- Bit operations.
add('bt', 'bt', '0F A3 /r', 'Ev,Gv', 'v', '', 'BT');
add('bts', 'bts', '0F AB /r', 'Ev,Gv', 'v', 'L', 'BTS');
add('btr', 'btr', '0F B3 /r', 'Ev,Gv', 'v', 'L', 'BTR');
add('btc', 'btc', '0F BB /r', 'Ev,Gv', 'v', 'L', 'BTC');
add('bt', 'bt', '0F BA /4', 'Ev,Ib', 'v', '', 'BT');
add('bts', 'bts', '0F BA /5', 'Ev,Ib', 'v', 'L', 'BTS');
add('btr', 'btr', '0F BA /6', 'Ev,Ib', 'v', 'L', 'BTR');
add('btc', 'btc', '0F BA /7', 'Ev,Ib', 'v', 'L', 'BTC');
add('bsf', 'bsf', '0F BC /r', 'Gv,Ev', 'v', '', 'BSF');
add('bsr', 'bsr', '0F BD /r', 'Gv,Ev', 'v', '', 'BSR');
add('popcnt', 'popcnt', 'F3 0F B8 /r', 'Gv,Ev', 'v', '', 'POPCNT');
add('tzcnt', 'tzcnt', 'F3 0F BC /r', 'Gv,Ev', 'v', '', 'TZCNT');
add('lzcnt', 'lzcnt', 'F3 0F BD /r', 'Gv,Ev', 'v', '', 'LZCNT');
add('bswap', 'bswap', '0F C8+r', 'Zv', 'v', '', 'BSWAP'); // 66h: 16-bit, result undefined (SDM BSWAP), not #UD

// --- Data movement.
add('mov', 'mov', '88 /r', 'Eb,Gb', 'b', '', 'MOV');
add('mov', 'mov', '89 /r', 'Ev,Gv', 'v', '', 'MOV');
add('mov', 'mov', '8A /r', 'Gb,Eb', 'b', '', 'MOV');
add('mov', 'mov', '8B /r', 'Gv,Ev', 'v', '', 'MOV');
add('mov', 'mov', '8C /r', 'Ex,Sw', 'v', '', 'MOV');
add('mov', 'mov_sreg', '8E /r', 'Sw,Ex', 'v', '', 'MOV');
add('mov', 'mov', 'A0', 'Ab,Ob', 'b', '', 'MOV');
add('mov', 'mov', 'A1', 'Av,Ov', 'v', '', 'MOV');
add('mov', 'mov', 'A2', 'Ob,Ab', 'b', '', 'MOV');
add('mov', 'mov', 'A3', 'Ov,Av', 'v', '', 'MOV');
add('mov', 'mov', 'B0+r', 'Zb,Ib', 'b', '', 'MOV');
add('mov', 'mov', 'B8+r', 'Zv,Iv', 'v', '', 'MOV');
add('mov', 'mov', 'C6 /0', 'Eb,Ib', 'b', '', 'MOV');
add('mov', 'mov', 'C7 /0', 'Ev,Iz', 'v', '', 'MOV');
add('movzx', 'movzx', '0F B6 /r', 'Gv,Eb', 'v', '', 'MOVZX');
add('movzx', 'movzx', '0F B7 /r', 'Gv,Ew', 'v', '', 'MOVZX');
add('movsx', 'movsx', '0F BE /r', 'Gv,Eb', 'v', '', 'MOVSX/MOVSXD');
add('movsx', 'movsx', '0F BF /r', 'Gv,Ew', 'v', '', 'MOVSX/MOVSXD');
add('movsxd', 'movsxd', '63 /r', 'Gv,Ez', 'v', '', 'MOVSX/MOVSXD');
add('lea', 'lea', '8D /r mem', 'Gv,Mn', 'v', '', 'LEA');
add('nop', 'nop', '90', '', 'n', 'B0', 'NOP');
add('pause', 'pause', 'F3 90', '', 'n', '', 'PAUSE');
add('xchg', 'xchg', '90+r', 'Zv,Av', 'v', '', 'XCHG');
add('xchg', 'xchg', '86 /r', 'Eb,Gb', 'b', 'L', 'XCHG');
add('xchg', 'xchg', '87 /r', 'Ev,Gv', 'v', 'L', 'XCHG');
add('xadd', 'xadd', '0F C0 /r', 'Eb,Gb', 'b', 'L', 'XADD');
add('xadd', 'xadd', '0F C1 /r', 'Ev,Gv', 'v', 'L', 'XADD');
add('cmpxchg', 'cmpxchg', '0F B0 /r', 'Eb,Gb', 'b', 'L', 'CMPXCHG');
add('cmpxchg', 'cmpxchg', '0F B1 /r', 'Ev,Gv', 'v', 'L', 'CMPXCHG');
add('cmov*', 'cmovcc', '0F 40+cc /r', 'Gv,Ev', 'v', '', 'CMOVcc');
// SETcc ignores ModRM.reg (SDM lists no /digit); the assembler writes 0 there.
add('set*', 'setcc', '0F 90+cc /r', 'Eb', 'b', '', 'SETcc');
add('cbw|cwde|cdqe', 'cbw', '98', '', 'v', '', 'CBW/CWDE/CDQE');
add('cwd|cdq|cqo', 'cwd', '99', '', 'v', '', 'CWD/CDQ/CQO');

// --- Stack.
add('push', 'push', '50+r', 'Zv', 'd64', '', 'PUSH');
add('pop', 'pop', '58+r', 'Zv', 'd64', '', 'POP');
add('push', 'push', 'FF /6', 'Ev', 'd64', '', 'PUSH');
add('pop', 'pop', '8F /0', 'Ev', 'd64', '', 'POP');
add('push', 'push', '6A', 'Is', 'd64', '', 'PUSH');
add('push', 'push', '68', 'Iz', 'd64', '', 'PUSH');
add('pushw|push', 'push', '0F A0', 'FS', 'd64', '', 'PUSH');
add('popw|pop', 'pop', '0F A1', 'FS', 'd64', '', 'POP');
add('pushw|push', 'push', '0F A8', 'GS', 'd64', '', 'PUSH');
add('popw|pop', 'pop', '0F A9', 'GS', 'd64', '', 'POP');
add('pushf|pushfq', 'pushf', '9C', '', 'd64', '', 'PUSHF/PUSHFD/PUSHFQ');
add('popf|popfq', 'popf', '9D', '', 'd64', '', 'POPF/POPFD/POPFQ');
add('leavew|leave', 'leave', 'C9', '', 'd64', '', 'LEAVE');

// --- Control transfer.
add('jmp', 'jmp', 'EB', 'Jb', 'f64', '', 'JMP');
add('jmp', 'jmp', 'E9', 'Jz', 'f64', '', 'JMP');
add('jmp', 'jmp', 'FF /4', 'Eq', 'f64', '', 'JMP');
add('j*', 'jcc', '70+cc', 'Jb', 'f64', '', 'Jcc');
add('j*', 'jcc', '0F 80+cc', 'Jz', 'f64', '', 'Jcc');
add('call', 'call', 'E8', 'Jz', 'f64', '', 'CALL');
add('call', 'call', 'FF /2', 'Eq', 'f64', '', 'CALL');
add('ret', 'ret', 'C3', '', 'f64', '', 'RET');
add('ret', 'ret', 'C2', 'Iw', 'f64', '', 'RET');
add('loopne', 'loop', 'E0', 'Jb', 'f64', '', 'LOOP/LOOPcc');
add('loope', 'loop', 'E1', 'Jb', 'f64', '', 'LOOP/LOOPcc');
add('loop', 'loop', 'E2', 'Jb', 'f64', '', 'LOOP/LOOPcc');
add('jrcxz', 'jrcxz', 'E3', 'Jb', 'f64', '', 'Jcc');
// WinDbg prints CC as `int 3` (the operand is implicit; the executor's int3 ignores it).
add('int', 'int3', 'CC', '3', 'n', '', 'INTn/INTO/INT3/INT1');
add('int', 'int', 'CD', 'Ib', 'n', '', 'INTn/INTO/INT3/INT1');
add('iret|iretd|iretq', 'iret', 'CF', '', 'v', '', 'IRET/IRETD/IRETQ');
add('hlt', 'hlt', 'F4', '', 'n', '', 'HLT');
add('ud2', 'ud2', '0F 0B', '', 'n', '', 'UD');
add('nop', 'nop', '0F 1F /0', 'Ev', 'v', '', 'NOP');
add('syscall', 'syscall', '0F 05', '', 'n', '', 'SYSCALL');
add('sysret|sysretq', 'sysret', '0F 07', '', 'y', '', 'SYSRET');

// --- Strings (SDM Vol. 2B "REP/REPE/REPZ/REPNE/REPNZ").
add('movs', 'movs', 'A4', 'Yb,Xb', 'b', 'R', 'MOVS/MOVSB/MOVSW/MOVSD/MOVSQ');
add('movs', 'movs', 'A5', 'Yv,Xv', 'v', 'R', 'MOVS/MOVSB/MOVSW/MOVSD/MOVSQ');
add('cmps', 'cmps', 'A6', 'Xb,Yb', 'b', 'E', 'CMPS/CMPSB/CMPSW/CMPSD/CMPSQ');
add('cmps', 'cmps', 'A7', 'Xv,Yv', 'v', 'E', 'CMPS/CMPSB/CMPSW/CMPSD/CMPSQ');
add('stos', 'stos', 'AA', 'Yb', 'b', 'R', 'STOS/STOSB/STOSW/STOSD/STOSQ');
add('stos', 'stos', 'AB', 'Yv', 'v', 'R', 'STOS/STOSB/STOSW/STOSD/STOSQ');
add('lods', 'lods', 'AC', 'Xb', 'b', 'R', 'LODS/LODSB/LODSW/LODSD/LODSQ');
add('lods', 'lods', 'AD', 'Xv', 'v', 'R', 'LODS/LODSB/LODSW/LODSD/LODSQ');
add('scas', 'scas', 'AE', 'Yb', 'b', 'E', 'SCAS/SCASB/SCASW/SCASD');
add('scas', 'scas', 'AF', 'Yv', 'v', 'E', 'SCAS/SCASB/SCASW/SCASD');

// --- System and flags.
add('clc', 'clc', 'F8', '', 'n', '', 'CLC');
add('stc', 'stc', 'F9', '', 'n', '', 'STC');
add('cli', 'cli', 'FA', '', 'n', '', 'CLI');
add('sti', 'sti', 'FB', '', 'n', '', 'STI');
add('cld', 'cld', 'FC', '', 'n', '', 'CLD');
add('std', 'std', 'FD', '', 'n', '', 'STD');
add('rdmsr', 'rdmsr', '0F 32', '', 'n', '', 'RDMSR');
add('wrmsr', 'wrmsr', '0F 30', '', 'n', '', 'WRMSR');
add('rdtsc', 'rdtsc', '0F 31', '', 'n', '', 'RDTSC');
add('cpuid', 'cpuid', '0F A2', '', 'n', '', 'CPUID');
add('mov', 'mov_from_cr', '0F 20 /r', 'Rq,Cq', 'n', '', 'MOV—Move to/from Control Registers');
add('mov', 'mov_cr', '0F 22 /r', 'Cq,Rq', 'n', '', 'MOV—Move to/from Control Registers');
add('mov', 'mov_from_dr', '0F 21 /r', 'Rq,Dq', 'n', '', 'MOV—Move to/from Debug Registers');
add('mov', 'mov_dr', '0F 23 /r', 'Dq,Rq', 'n', '', 'MOV—Move to/from Debug Registers');
add('sgdt', 'sgdt', '0F 01 /0 mem', 'Mt', 'n', '', 'SGDT');
add('sidt', 'sidt', '0F 01 /1 mem', 'Mt', 'n', '', 'SIDT');
add('lgdt', 'lgdt', '0F 01 /2 mem', 'Mt', 'n', '', 'LGDT/LIDT');
add('lidt', 'lidt', '0F 01 /3 mem', 'Mt', 'n', '', 'LGDT/LIDT');
add('invlpg', 'invlpg', '0F 01 /7 mem', 'Mn', 'n', '', 'INVLPG');
add('clac', 'clac', '0F 01 =CA', '', 'n', 'S', 'CLAC');
add('stac', 'stac', '0F 01 =CB', '', 'n', 'S', 'STAC');
add('swapgs', 'swapgs', '0F 01 =F8', '', 'n', '', 'SWAPGS');
add('rdtscp', 'rdtscp', '0F 01 =F9', '', 'n', '', 'RDTSCP');
add('str', 'str', '0F 00 /1', 'Ex', 'v', '', 'STR');
add('ltr', 'ltr', '0F 00 /3', 'Ew', 'n', '', 'LTR');
add('rdfsbase', 'rdfsbase', 'F3 0F AE /0 reg', 'Ry', 'y', 'S', 'RDFSBASE/RDGSBASE');
add('rdgsbase', 'rdgsbase', 'F3 0F AE /1 reg', 'Ry', 'y', 'S', 'RDFSBASE/RDGSBASE');
add('wrfsbase', 'wrfsbase', 'F3 0F AE /2 reg', 'Ry', 'y', 'S', 'WRFSBASE/WRGSBASE');
add('wrgsbase', 'wrgsbase', 'F3 0F AE /3 reg', 'Ry', 'y', 'S', 'WRFSBASE/WRGSBASE');
add('ldmxcsr', 'ldmxcsr', '0F AE /2 mem', 'Md', 'n', 'S', 'LDMXCSR');
add('stmxcsr', 'stmxcsr', '0F AE /3 mem', 'Md', 'n', 'S', 'STMXCSR');
add('lfence', 'lfence', '0F AE /5 reg', '', 'n', 'S', 'LFENCE');
add('mfence', 'mfence', '0F AE /6 reg', '', 'n', 'S', 'MFENCE');
add('sfence', 'sfence', '0F AE /7 reg', '', 'n', 'S', 'SFENCE');

// Less common instructions (flags, XLAT, ENTER, hints, CMPXCHG8B/16B, RDRAND, descriptor checks,
// MOVBE, CRC32, ADX, BMI1/BMI2): opcodes-extended.ts.
addExtendedRows(add);

/** The table. Row indices are stable within a build (Instruction.row refers to them). */
export const OPCODES: readonly OpcodeRow[] = rows;

/** The mnemonic a row prints for an operand size and condition. */
export function rowMnemonic(r: OpcodeRow, opSize: number, cond: number | undefined): string {
  if (r.mnemonicBySize) return r.mnemonicBySize[opSize] ?? r.mnemonic;
  if (r.plusCC) return r.mnemonic.replace('*', CC_NAMES[cond ?? 0]);
  return r.mnemonic;
}
