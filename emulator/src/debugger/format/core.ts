// The output formats kd's core needs (the session's stops, the registers, breakpoints): what
// the breakpoint lab and the stepper load. format.ts re-exports all of it with the rest of
// kd's formats, which load with the full command set. Same conventions as format.ts.

const MASK64 = (1n << 64n) - 1n;

/** 16 lowercase hex digits, no separator (register values in `r`, `!pcr`). */
export function hex16(v: bigint): string {
  return (v & MASK64).toString(16).padStart(16, '0');
}

/** A 64-bit address as kd prints it in address columns: `fffff803`12345680`. */
export function addr64(v: bigint): string {
  const h = hex16(v);
  return `${h.slice(0, 8)}\`${h.slice(8)}`;
}

export function hexN(v: bigint | number, digits: number): string {
  const b = typeof v === 'bigint' ? v : BigInt(v);
  return (b & ((1n << BigInt(digits * 4)) - 1n)).toString(16).padStart(digits, '0');
}

/** `module!symbol` or `module!symbol+0x15` (offset lowercase hex, `0x`, no padding). */
export function symbolWithOffset(name: string, offset: bigint): string {
  return offset === 0n ? name : `${name}+0x${offset.toString(16)}`;
}

// ---------------------------------------------------------------------------------------------
// Disassembly lines (u, and after a breakpoint hit, r, t, p) come from the CPU's disassembler,
// which owns WinDbg's instruction syntax and the column layout of the line.

export { formatDisassemblyLine } from '../../cpu/disassembler.ts';

// ---------------------------------------------------------------------------------------------
// r

export interface RegisterFile {
  rax: bigint; rbx: bigint; rcx: bigint; rdx: bigint; rsi: bigint; rdi: bigint;
  rip: bigint; rsp: bigint; rbp: bigint;
  r8: bigint; r9: bigint; r10: bigint; r11: bigint; r12: bigint; r13: bigint; r14: bigint; r15: bigint;
  efl: bigint;
  cs: number; ss: number; ds: number; es: number; fs: number; gs: number;
}

/** RFLAGS bits shown by `r`, in WinDbg's fixed order (OF DF IF SF ZF AF PF CF), with the mnemonic
 *  for clear and set. Bits per SDM Vol. 1 §3.4.3. WinDbg shows `pe` for PF=0 and `po` for PF=1
 *  (its own convention, the reverse of the Intel names; seen in every published dump). */
export const FLAG_MNEMONICS: ReadonlyArray<{ code: string; bit: number; clear: string; set: string }> = [
  { code: 'of', bit: 11, clear: 'nv', set: 'ov' },
  { code: 'df', bit: 10, clear: 'up', set: 'dn' },
  { code: 'if', bit: 9, clear: 'di', set: 'ei' },
  { code: 'sf', bit: 7, clear: 'pl', set: 'ng' },
  { code: 'zf', bit: 6, clear: 'nz', set: 'zr' },
  { code: 'af', bit: 4, clear: 'na', set: 'ac' },
  { code: 'pf', bit: 2, clear: 'pe', set: 'po' },
  { code: 'cf', bit: 0, clear: 'nc', set: 'cy' },
];

export function flagMnemonics(efl: bigint): string {
  return FLAG_MNEMONICS.map((f) => ((efl >> BigInt(f.bit)) & 1n ? f.set : f.clear)).join(' ');
}

/** The register block of `r`: three registers per line (names right-aligned in 3 columns), the
 *  `iopl=` line with the flags at column 15, the segment line with `efl=` at column 65. */
export function registerBlock(r: RegisterFile): string {
  const seg = (name: 'cs' | 'ss' | 'ds' | 'es' | 'fs' | 'gs') => `${name}=${hexN(r[name], 4)}`;
  const segs = (['cs', 'ss', 'ds', 'es', 'fs', 'gs'] as const).map(seg).join('  ');
  return [...registerLines(r), `${segs.padEnd(65)}efl=${hexN(r.efl, 8)}`].join('\n');
}

/** The general registers, three per line, and the `iopl=` line: what `r` and `.trap` share. */
export function registerLines(r: RegisterFile): string[] {
  const reg = (name: keyof RegisterFile) => `${name.padStart(3)}=${hex16(r[name] as bigint)}`;
  const line = (...names: (keyof RegisterFile)[]) => names.map(reg).join(' ');
  const iopl = Number((r.efl >> 12n) & 3n);
  return [
    line('rax', 'rbx', 'rcx'),
    line('rdx', 'rsi', 'rdi'),
    line('rip', 'rsp', 'rbp'),
    line('r8', 'r9', 'r10'),
    line('r11', 'r12', 'r13'),
    line('r14', 'r15'),
    `${`iopl=${iopl}`.padEnd(15)}${flagMnemonics(r.efl)}`,
  ];
}


// ---------------------------------------------------------------------------------------------
// Breakpoints

export interface BreakpointView {
  id: number;
  enabled: boolean;
  /** undefined for a deferred breakpoint whose expression does not resolve. */
  address?: bigint;
  expression: string;
  symbol?: string;
  passes: number;
  initialPasses: number;
  /** A processor breakpoint (ba): access letter and size, printed between address and counts
   *  (`00d41f60 r 4 0001 (0001)`, Microsoft's TTD walkthrough transcript of `bl` after `ba r4`). */
  access?: string;
  size?: number;
}

/** One `bl` line (modern WinDbg): id right-aligned in 6 columns, `e`/`d`, the link text, the
 *  unresolved flag, the address, five spaces, `pppp (iiii)`, the symbol. */
export function breakpointListLine(bp: BreakpointView): string {
  const link = bp.enabled ? 'Disable Clear' : 'Enable Clear';
  const counts = `${hexN(bp.passes, 4)} (${hexN(bp.initialPasses, 4)})`;
  const where = bp.address === undefined ? `u${' '.repeat(17)}` : ` ${addr64(bp.address)}`;
  const sym = bp.address === undefined ? `(${bp.expression})` : bp.symbol ?? '';
  const kind = bp.access ? ` ${bp.access} ${bp.size} ` : '     ';
  return `${String(bp.id).padStart(6)} ${bp.enabled ? 'e' : 'd'} ${link} ${where}${kind}${counts} ${sym}`.trimEnd();
}

export function breakpointHit(id: number): string {
  return `Breakpoint ${id} hit`;
}

/** The five lines kd prints when a software breakpoint cannot be written (ERROR_NOACCESS). */
export function breakpointInsertFailure(id: number, address: bigint): string {
  return [
    `Unable to insert breakpoint ${id} at ${addr64(address)}, Win32 error 0n998`,
    '    "Invalid access to memory location."',
    'The breakpoint was set with BP.  If you want breakpoints',
    'to track module load/unload state you must use BU.',
    `bp${id} at ${addr64(address)} failed`,
  ].join('\n');
}

export function deferredBreakpoint(expression: string): string {
  return `Bp expression '${expression}' could not be resolved, adding deferred bp`;
}

// ---------------------------------------------------------------------------------------------
// Bug checks, break-in, caret errors

export interface BugCheck {
  code: number;
  args: [bigint, bigint, bigint, bigint];
}

/** What kd prints when the target stops in KeBugCheckEx (before the symbol and instruction lines). */
export function bugCheckBanner(bc: BugCheck): string {
  const tuple = bc.args.map((a) => `0x${hex16(a).toUpperCase()}`).join(',');
  return [
    '',
    `*** Fatal System Error: 0x${hexN(bc.code, 8)}`,
    `${' '.repeat(23)}(${tuple})`,
    '',
    'Break instruction exception - code 80000003 (first chance)',
    '',
    'A fatal system error has occurred.',
    'Debugger entered on first try; Bugcheck callbacks have not been invoked.',
    '',
    'A fatal system error has occurred.',
    '',
    'For analysis of this file, run !analyze -v',
  ].join('\n');
}

export const STARS = '*'.repeat(79);

/** A break-in (Ctrl+C in `npx kd`, the Break button on a page): the exception line and a box in
 *  our own words, true for either way in. */
export function breakInBanner(): string {
  const box = [
    'You broke in (Ctrl+C or a Break button): the debugger stopped the target.',
    'Nothing has crashed; this is not a bug check.',
    "Type 'g' to let the target run again.",
  ];
  return [
    'Break instruction exception - code 80000003 (first chance)',
    STARS,
    ...box.map((l) => `*   ${l.padEnd(74)}*`),
    STARS,
  ].join('\n');
}

/** A caret error: spaces up to the column under the echoed input (prompt included). */
export function caretError(column: number, message: string, command: string): string {
  return `${' '.repeat(Math.max(0, column))}^ ${message} in '${command}'`;
}
