// Every output format of the debugger in one place, as WinDbg/kd prints them for an x64 kernel
// target. The layouts follow Microsoft's debugger reference (learn.microsoft.com, "Debugger
// commands": r, u, d*, bl, k, rdmsr, ?, x, ln, lm, !pcr, !idt, dt, .bugcheck, !analyze) and public
// kd transcripts; the column rules are stated next to each formatter. Pure functions: values in,
// text out (lines joined with '\n', no trailing newline). The formats kd's core needs (a stop,
// `r`, breakpoints) are in format/core.ts, re-exported here, so the breakpoint lab and the stepper
// load only those; the rest loads with the full command set.

import { addr64, hex16, hexN, STARS, symbolWithOffset, type BugCheck } from './format/core.ts';

export * from './format/core.ts';

const MASK64 = (1n << 64n) - 1n;

// ---------------------------------------------------------------------------------------------
// d* memory displays. Each line starts with its address and two spaces. `read(addr, n)` returns
// the bytes or null when unreadable (shown as `??` per byte).

export type ByteReader = (address: bigint, n: number) => Uint8Array | null;

function readLE(bytes: Uint8Array): bigint {
  let v = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[i]);
  return v;
}

/** `db`: 16 bytes per line, `-` between the 8th and 9th, the ASCII column at column 68. */
export function dumpBytes(start: bigint, count: number, read: ByteReader): string {
  const lines: string[] = [];
  for (let off = 0; off < count; off += 16) {
    const n = Math.min(16, count - off);
    let hex = '';
    let ascii = '';
    for (let i = 0; i < n; i++) {
      const b = read((start + BigInt(off + i)) & MASK64, 1);
      if (i > 0) hex += i === 8 ? '-' : ' ';
      if (b) {
        hex += hexN(b[0], 2);
        ascii += b[0] >= 0x20 && b[0] <= 0x7e ? String.fromCharCode(b[0]) : '.';
      } else {
        hex += '??';
        ascii += '?';
      }
    }
    lines.push(`${addr64(start + BigInt(off))}  ${hex.padEnd(47)}  ${ascii}`);
  }
  return lines.join('\n');
}

/** `dw` (8 per line), `dd` (4 per line), `dq`/`dp` (2 per line, 8`8 form). */
export function dumpUnits(start: bigint, count: number, size: 2 | 4 | 8, read: ByteReader): string {
  const perLine = 16 / size;
  const lines: string[] = [];
  for (let i = 0; i < count; i += perLine) {
    const cells: string[] = [];
    for (let j = i; j < Math.min(count, i + perLine); j++) {
      const b = read((start + BigInt(j * size)) & MASK64, size);
      if (size === 8) cells.push(b ? addr64(readLE(b)) : '????????`????????');
      else cells.push(b ? hexN(readLE(b), size * 2) : '?'.repeat(size * 2));
    }
    lines.push(`${addr64(start + BigInt(i * size))}  ${cells.join(' ')}`);
  }
  return lines.join('\n');
}

/** `dps`: one pointer per line, then its symbol when it resolves. */
export function dumpPointersWithSymbols(
  start: bigint, count: number, read: ByteReader, symbolize: (v: bigint) => string | undefined,
): string {
  const lines: string[] = [];
  for (let i = 0; i < count; i++) {
    const a = (start + BigInt(i * 8)) & MASK64;
    const b = read(a, 8);
    if (!b) { lines.push(`${addr64(a)}  ????????\`????????`); continue; }
    const v = readLE(b);
    const sym = symbolize(v);
    lines.push(`${addr64(a)}  ${addr64(v)}${sym ? ` ${sym}` : ''}`);
  }
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------
// Stacks: k and kb (modern WinDbg, numbered frames).

export interface StackFrame {
  childSp: bigint;
  retAddr: bigint;
  args?: [bigint, bigint, bigint, bigint];
  callSite: string;
}

export function stackTrace(frames: StackFrame[], withArgs: boolean): string {
  const header = withArgs
    ? ` # Child-SP          RetAddr               : Args to Child${' '.repeat(59)}: Call Site`
    : ' # Child-SP          RetAddr               Call Site';
  const lines = frames.map((f, i) => {
    const head = `${hexN(i, 2)} ${addr64(f.childSp)} ${addr64(f.retAddr)}     `;
    if (!withArgs) return head + f.callSite;
    const args = (f.args ?? [0n, 0n, 0n, 0n]).map(addr64).join(' ');
    return `${head}: ${args} : ${f.callSite}`;
  });
  return [header, ...lines].join('\n');
}

// ---------------------------------------------------------------------------------------------
// Bug checks

/** Bug check names and short descriptions of their arguments (Microsoft's "Bug Check Code
 *  Reference"; the wording here is ours). */
const BUGCHECKS: Record<number, { name: string; summary: string; args: (a: bigint) => [string?, string?, string?, string?] }> = {
  0x7f: {
    name: 'UNEXPECTED_KERNEL_MODE_TRAP',
    // The description !analyze -v prints for 7f, as in public transcripts of WinDbg (e.g. the
    // x64 double-fault analysis quoted at bbs.kanxue.com/thread-154014-1.htm).
    summary: [
      'This means a trap occurred in kernel mode, and it\'s a trap of a kind',
      'that the kernel isn\'t allowed to have/catch (bound trap) or that',
      'is always instant death (double fault).  The first number in the',
      'bugcheck params is the number of the trap (8 = double fault, etc)',
      'Consult an Intel x86 family manual to learn more about what these',
      'traps are. Here is a *portion* of those codes:',
      'If kv shows a taskGate',
      '        use .tss on the part before the colon, then kv.',
      'Else if kv shows a trapframe',
      '        use .trap on that value',
      'Else',
      '        .trap on the appropriate frame will show where the trap was taken',
      '        (on x86, this will be the ebp that goes with the procedure KiTrap)',
      'Endif',
      'kb will then show the corrected stack.',
    ].join('\n'),
    args: (a1) => [a1 === 8n ? 'EXCEPTION_DOUBLE_FAULT' : a1 === 0n ? 'EXCEPTION_DIVIDED_BY_ZERO' : a1 === 6n ? 'EXCEPTION_INVALID_OPCODE' : undefined],
  },
  0x50: {
    name: 'PAGE_FAULT_IN_NONPAGED_AREA',
    summary: 'Kernel code referenced memory that is not valid and cannot be paged in.',
    args: () => ['memory referenced.', 'value 0 = read operation, 1 = write operation.', 'If non-zero, the instruction address which referenced the bad memory', '(reserved)'],
  },
  0x1e: {
    name: 'KMODE_EXCEPTION_NOT_HANDLED',
    summary: 'A kernel-mode exception was raised that no handler caught.',
    args: () => ['The exception code that was not handled', 'The address that the exception occurred at', 'Parameter 0 of the exception', 'Parameter 1 of the exception'],
  },
  0x3b: {
    name: 'SYSTEM_SERVICE_EXCEPTION',
    summary: 'An exception was raised while a system service was running on behalf of a caller.',
    args: () => ['Exception code that caused the BugCheck', 'Address of the instruction which caused the BugCheck', 'Address of the context record for the exception that caused the BugCheck', 'zero.'],
  },
};

export function bugCheckName(code: number): string {
  return BUGCHECKS[code]?.name ?? `BUGCHECK_${hexN(code, 8).toUpperCase()}`;
}

/** `.bugcheck`: the code in 8 uppercase hex digits, then the four arguments in 8`8 form. */
export function bugCheckSummary(bc: BugCheck): string {
  return `Bugcheck code ${hexN(bc.code, 8).toUpperCase()}\nArguments ${bc.args.map(addr64).join(' ')}`;
}

const BLANK_BOX = `*${' '.repeat(77)}*`;

/** The `!analyze -v` report: the banner, the name and code, the arguments with their meaning,
 *  and the Debugging Details keys. */
export function analyzeReport(bc: BugCheck, details: { stack: string[]; symbol?: string; bucketSymbol?: string; process?: string; fault?: string[] }): string {
  const info = BUGCHECKS[bc.code];
  const meanings = info?.args(bc.args[0]) ?? [];
  const lines = [
    STARS,
    BLANK_BOX,
    `*${' '.repeat(24)}Bugcheck Analysis${' '.repeat(36)}*`,
    BLANK_BOX,
    STARS,
    '',
    `${bugCheckName(bc.code)} (${bc.code.toString(16)})`,
    info?.summary ?? 'No description is available for this bug check code.',
    'Arguments:',
    ...bc.args.map((a, i) => `Arg${i + 1}: ${hex16(a)}${meanings[i] ? `, ${meanings[i]}` : ''}`),
    '',
    'Debugging Details:',
    '------------------',
    '',
    `BUGCHECK_CODE:  ${bc.code.toString(16)}`,
    '',
    ...bc.args.map((a, i) => `BUGCHECK_P${i + 1}: ${a.toString(16)}`),
    '',
  ];
  if (details.fault) lines.push(...details.fault);
  if (details.process) lines.push(`PROCESS_NAME:  ${details.process}`, '');
  lines.push('STACK_TEXT:  ', ...details.stack, '');
  const sym = details.symbol ?? 'nt!KeBugCheckEx';
  const bsym = details.bucketSymbol ?? sym;
  const bucket = bc.code === 0x7f ? `0x7f_${bc.args[0].toString(16)}_${bsym}` : `0x${bc.code.toString(16)}_${bsym}`;
  lines.push(
    `SYMBOL_NAME:  ${sym}`, '',
    'MODULE_NAME: nt', '',
    'IMAGE_NAME:  ntkrnlmp.exe', '',
    `FAILURE_BUCKET_ID:  ${bucket}`, '',
    'Followup:     MachineOwner',
    '---------',
  );
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------
// Single-line outputs

export function rdmsrLine(index: number, value: bigint): string {
  return `msr[${index.toString(16)}] = ${addr64(value)}`;
}

/** `?`: the value as signed decimal, then in 8`8 form. */
export function evaluateLine(v: bigint): string {
  return `Evaluate expression: ${BigInt.asIntN(64, v & MASK64).toString()} = ${addr64(v)}`;
}

// ---------------------------------------------------------------------------------------------
// Symbols and modules

export function examineLine(address: bigint, qualified: string): string {
  const bare = qualified.slice(qualified.indexOf('!') + 1);
  return `${addr64(address)} ${qualified} (${bare})`;
}

export function nearestReport(
  below: { address: bigint; name: string; offset: bigint } | undefined,
  above: { address: bigint; name: string } | undefined,
): string {
  const lines = ['Browse module', 'Set bu breakpoint', ''];
  if (!below) return '';
  let pair = `(${addr64(below.address)})   ${symbolWithOffset(below.name, below.offset)}`;
  if (above) pair += `   |  (${addr64(above.address)})   ${above.name}`;
  lines.push(pair);
  if (below.offset === 0n) {
    const bare = below.name.slice(below.name.indexOf('!') + 1);
    lines.push('Exact matches:', `    ${below.name} (${bare})`);
  }
  return lines.join('\n');
}

export interface ModuleView {
  name: string;
  start: bigint;
  end: bigint;
  status: string;
  image: string;
}

export function moduleList(modules: ModuleView[]): string {
  const lines = ['Browse full module list', 'start             end                 module name'];
  for (const m of modules) {
    lines.push(`${addr64(m.start)} ${addr64(m.end)}   ${m.name.padEnd(8)}   ${m.status.padEnd(23)}${m.image}`.trimEnd());
  }
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------
// !pcr and !idt

/** `!pcr`: labels right-aligned so the colons line up, each line after a TAB. */
export function pcrReport(pcr: bigint, groups: Array<Array<[string, bigint]>>, tail: string[] = []): string {
  const width = Math.max(...groups.flat().map(([l]) => l.length), 'DpcQueue'.length);
  const lines = [`KPCR for Processor 0 at ${hex16(pcr)}:`, '    Major 1 Minor 1'];
  groups.forEach((g, i) => {
    if (i > 0) lines.push('');
    for (const [label, v] of g) lines.push(`\t${label.padStart(width)}: ${hex16(v)}`);
  });
  lines.push('', `\t${'DpcQueue'.padStart(width)}: `, ...tail);
  return lines.join('\n');
}

export interface IdtEntryView {
  vector: number;
  handler: bigint;
  symbol?: string;
  /** The IST stack top when the gate names an IST slot. */
  stack?: bigint;
}

export function idtReport(idtBase: bigint, entries: IdtEntryView[]): string {
  const lines = [`Dumping IDT: ${hex16(idtBase)}`, ''];
  for (const e of entries) {
    let l = `${hexN(e.vector, 2)}:\t${hex16(e.handler)} ${e.symbol ?? ''}`.trimEnd();
    if (e.stack !== undefined) l += `\tStack = 0x${hex16(e.stack).toUpperCase()}`;
    lines.push(l);
  }
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------
// dt

export interface FieldView {
  offset: number;
  name: string;
  /** The type text dt prints (`Uint8B`, `Ptr64 _KPRCB`, `[2] Uint8B`, `_NT_TIB`). */
  type: string;
  /** With an address: the value text that replaces the type. */
  value?: string;
}

/** One dt line: 3 spaces, `+0x` offset (at least 3 digits), the name padded to 16, ` : `. */
export function structLines(fields: FieldView[]): string {
  return fields
    .map((f) => `   +0x${f.offset.toString(16).padStart(3, '0')} ${f.name.padEnd(16)} : ${f.value ?? f.type}`)
    .join('\n');
}

/** The line after a partial structure. WinDbg prints every field of a type; the modeled kernel
 *  knows only some, so `dt` says how many of the real layout it leaves out rather than let the
 *  listing pass for the whole type. */
export function partialStructNote(name: string, omitted: number, total: number): string {
  return `   (model: ${omitted} of the ${total} fields of ${name} in build 17134 are not modeled and not shown)`;
}
