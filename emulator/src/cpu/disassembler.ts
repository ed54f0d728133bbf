// Instructions printed the way WinDbg's disassembler prints them (Intel syntax, MASM numbers):
//   mov     qword ptr gs:[10h],rsp      push    2Bh      lea     rbp,[rsp+80h]      int     3
// Numbers: uppercase hex with a trailing `h`, a leading 0 when the first digit is a letter, and
// 0..9 as a bare digit. Displacements are signed (`[rbp-80h]`); immediates are printed at the
// operand size (`and rsp,0FFFFFFFFFFFFFFF0h`). Branch and RIP-relative targets are printed as
// `symbol (address)` when the caller names them, else as the 16-digit address with a backtick; so
// are absolute memory operands with no segment override (`[SharedUserData+0x308 (00000000`7ffe0308)]`
// in public `u ntdll!NtCreateFile` listings). A dword or qword immediate that the caller names is
// `offset symbol (address)` (`mov esi,offset nt!PspLoadImageNotifyRoutine (805649e0)` in public
// x86 kd listings; the x64 form prints the 64-bit address with its backtick).

import type { DecodeResult, Instruction, Operand } from './instruction.ts';
import { SEG_NAMES } from './instruction.ts';
import { gprName } from './registers-names.ts';

export interface FormatOptions {
  /** Names an address (`nt!KiSystemServiceExit`, `nt!Foo+0x2a`), or null when nothing does. */
  symbolize?: (address: bigint) => string | null;
}

export interface FormattedInstruction {
  /** The mnemonic with any printed prefix (`rep stos`, `lock cmpxchg`). */
  mnemonic: string;
  /** Comma-separated operands, no spaces after the commas; '' when there are none. */
  operands: string;
}

/** A number as WinDbg's disassembler writes it: 0..9 bare, else hex + `h` (`2Bh`, `0FFFh`). */
export function formatNumber(value: bigint): string {
  if (value >= 0n && value <= 9n) return value.toString();
  const h = value.toString(16).toUpperCase();
  return (/^[A-F]/.test(h) ? '0' : '') + h + 'h';
}

/** A 64-bit address as WinDbg prints it in address columns: `fffff803`12345680`. */
export function formatAddress(address: bigint): string {
  const h = BigInt.asUintN(64, address).toString(16).padStart(16, '0');
  return `${h.slice(0, 8)}\`${h.slice(8)}`;
}

const PTR: Record<number, string> = { 1: 'byte ptr ', 2: 'word ptr ', 4: 'dword ptr ', 8: 'qword ptr ', 16: 'oword ptr ' }; // oword: cmpxchg16b, as MASM and objdump print it

function target(address: bigint, opts: FormatOptions | undefined): string {
  const name = opts?.symbolize?.(address);
  return name ? `${name} (${formatAddress(address)})` : formatAddress(address);
}

function formatMemory(ins: Instruction, o: Operand & { kind: 'mem' }, opts: FormatOptions | undefined): string {
  const size = o.size === 0 || o.size === 10 ? '' : PTR[o.size];
  const seg = o.segOverride ? `${SEG_NAMES[o.seg]}:` : '';
  let inner: string;
  if (o.base === 'rip') {
    // RIP-relative: shown resolved, like a branch target (the next instruction's address + disp).
    const ea = BigInt.asUintN(o.addrSize * 8, ins.address + BigInt(ins.length) + o.disp);
    inner = target(ea, opts);
  } else {
    const parts: string[] = [];
    if (o.base !== null) parts.push(gprName(o.base, o.addrSize));
    // An index without a base keeps its `*1` so that `[rax*1+10h]` (SIB, no base) reads apart
    // from `[rax+10h]` (base register).
    if (o.index !== null) parts.push(gprName(o.index, o.addrSize) + (o.scale === 1 && o.base !== null ? '' : `*${o.scale}`));
    const absolute = BigInt.asUintN(o.addrSize * 8, o.disp);
    const named = parts.length === 0 && !o.segOverride ? opts?.symbolize?.(absolute) : null;
    if (named) {
      inner = `${named} (${formatAddress(absolute)})`;
    } else if (parts.length === 0) {
      inner = formatNumber(absolute);
    } else {
      inner = parts.join('+');
      if (o.disp > 0n) inner += '+' + formatNumber(o.disp);
      else if (o.disp < 0n) inner += '-' + formatNumber(-o.disp);
    }
  }
  return `${size}${seg}[${inner}]`;
}

export function formatOperand(ins: Instruction, o: Operand, opts?: FormatOptions): string {
  switch (o.kind) {
    case 'reg':
      return gprName(o.reg, o.size, o.high8);
    case 'imm': {
      const named = o.size >= 4 ? opts?.symbolize?.(BigInt.asUintN(64, o.value)) : null;
      return named ? `offset ${named} (${formatAddress(BigInt.asUintN(64, o.value))})` : formatNumber(o.value);
    }
    case 'rel':
      return target(o.target, opts);
    case 'mem':
      return formatMemory(ins, o, opts);
    case 'sreg':
      return SEG_NAMES[o.reg];
    case 'cr':
      return `cr${o.reg}`;
    case 'dr':
      return `dr${o.reg}`;
  }
}

export function formatInstruction(ins: Instruction, opts?: FormatOptions): FormattedInstruction {
  let mnemonic = ins.mnemonic;
  if (ins.prefixes.rep) {
    const compare = ins.op === 'cmps' || ins.op === 'scas';
    mnemonic = (ins.prefixes.rep === 'repne' ? 'repne ' : compare ? 'repe ' : 'rep ') + mnemonic;
  }
  if (ins.prefixes.lock) mnemonic = 'lock ' + mnemonic;
  const operands = ins.operands.map((o) => formatOperand(ins, o, opts)).join(',');
  return { mnemonic, operands };
}

/** `mnemonic operands` with WinDbg's padding of the mnemonic to 8 columns. */
export function formatText(ins: Instruction, opts?: FormatOptions): string {
  const f = formatInstruction(ins, opts);
  if (!f.operands) return f.mnemonic;
  return (f.mnemonic.length >= 8 ? f.mnemonic + ' ' : f.mnemonic.padEnd(8)) + f.operands;
}

const hexBytes = (bytes: ArrayLike<number>) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');

/**
 * One line of `u` output: address, instruction bytes padded to 16 columns, mnemonic padded to 8,
 * operands. When the bytes need 16 or more columns, one space follows them and the operands start
 * at column 43 (at least one space after the mnemonic), as WinDbg lays out long instructions.
 * `bytes` are the instruction's bytes (for an undecodable instruction, the bytes that could be
 * read; pass `null` when memory could not be read: the line then shows `??` and `???`).
 */
export function formatDisassemblyLine(result: DecodeResult | null, address: bigint, bytes: ArrayLike<number> | null, opts?: FormatOptions): string {
  const addr = formatAddress(address);
  if (result === null || bytes === null || 'invalid' in result) {
    const hex = bytes === null || bytes.length === 0 ? '??' : hexBytes(bytes);
    return `${addr} ${hex.padEnd(16)}???`;
  }
  const hex = hexBytes(bytes);
  const f = formatInstruction(result, opts);
  if (hex.length < 16) {
    if (!f.operands) return `${addr} ${hex.padEnd(16)}${f.mnemonic}`;
    const mn = f.mnemonic.length >= 8 ? f.mnemonic + ' ' : f.mnemonic.padEnd(8);
    return `${addr} ${hex.padEnd(16)}${mn}${f.operands}`;
  }
  const head = `${addr} ${hex} ${f.mnemonic}`;
  if (!f.operands) return head;
  return head.padEnd(Math.max(43, head.length + 1)) + f.operands;
}
