// The kd command table: name, syntax, one-line help, handler. Syntax and output follow
// Microsoft's debugger command reference for an x64 kernel target; format.ts holds the layouts.
// Handlers return the command's output (no trailing newline) or throw a CaretError / PlainError /
// ExprError, which the session prints in WinDbg's wording.

import { CaretError, PlainError } from './errors.ts';
import { ExprError } from './expr.ts';
import * as fmt from './format.ts';
import type { KdSession, RunSteps } from './session.ts';

export interface CommandContext {
  /** The whole command as typed (trimmed), e.g. `u nt!KiSystemCall64 L4`. */
  text: string;
  /** Index in `text` where the arguments start. */
  argsOffset: number;
  name: string;
  /** Column of the command's first character in the echoed line (prompt included). */
  column: number;
}

export interface Command {
  name: string;
  syntax: string;
  help: string;
  /** kd's output, or for commands that run the target (`g`, `gu`, `p`) a run that yields
   *  between slices (see `RunSteps`). */
  handler: (s: KdSession, args: string, ctx: CommandContext) => string | RunSteps;
}

const MASK64 = (1n << 64n) - 1n;
/** Largest element count a display or listing accepts; kd's own limit is a 256 MB range, ours is
 *  smaller so that a typo cannot produce millions of lines. */
const MAX_ELEMENTS = 0x10000;
const MAX_INSTRUCTIONS = 0x1000;
const MAX_STEPS = 0x1000;

// --- argument helpers ---------------------------------------------------------------------------

/** Parses `[Address] [L Count | EndAddress]`. Count is in elements of `unit` bytes. */
function parseRange(
  s: KdSession, args: string, ctx: CommandContext, defaultCount: number, unit: number, max: number,
): { start: bigint | undefined; count: number; end?: bigint } {
  const a = args.trim();
  if (a === '') return { start: undefined, count: defaultCount };
  let start: bigint | undefined;
  let rest = a;
  if (!/^l\??[\s0-9a-f(@$-]/i.test(a) || /^l[0-9a-f]*[g-z!_]/i.test(a)) {
    const r = s.evalPrefix(a);
    start = r.value;
    rest = r.rest.trim();
  }
  if (rest === '') return { start, count: defaultCount };
  const lmatch = /^l(\??)\s*/i.exec(rest);
  if (lmatch) {
    const countText = rest.slice(lmatch[0].length);
    const r = s.evalPrefix(countText);
    if (r.rest.trim() !== '') throw new CaretError('Syntax error', ctx.text.length - r.rest.trim().length);
    if (r.value > BigInt(max)) throw new CaretError('Range error', ctx.text.length - 1);
    return { start, count: Number(r.value) };
  }
  if (start === undefined) throw new CaretError('Syntax error', ctx.argsOffset);
  const r = s.evalPrefix(rest);
  if (r.rest.trim() !== '') throw new CaretError('Syntax error', ctx.text.length - r.rest.trim().length);
  if (r.value < start) throw new CaretError('Range error', ctx.text.length - 1);
  const bytes = r.value - start + 1n;
  const count = (bytes + BigInt(unit) - 1n) / BigInt(unit);
  if (count > BigInt(max)) throw new CaretError('Range error', ctx.text.length - 1);
  return { start, count: Number(count), end: r.value };
}

/** A single required expression with nothing after it. */
function oneValue(s: KdSession, args: string, ctx: CommandContext): bigint {
  const r = s.evalPrefix(args);
  if (r.rest.trim() !== '') throw new CaretError('Syntax error', ctx.text.length - r.rest.trim().length);
  return r.value;
}

/** Breakpoint id lists: `0`, `1 3`, `1,3`, `1-3`, `*`. Returns the ids of existing breakpoints
 *  that the list names (ids that name no breakpoint are ignored, as kd does). */
function parseIds(s: KdSession, args: string, ctx: CommandContext): number[] {
  const a = args.trim();
  const existing = s.breakpoints.all().map((b) => b.id);
  if (a === '*') return existing;
  if (a === '') throw new CaretError('Syntax error', ctx.text.length - 1);
  const ranges: Array<[bigint, bigint]> = [];
  for (const part of a.split(/[\s,]+/)) {
    const m = /^([0-9a-f]+)(?:-([0-9a-f]+))?$/i.exec(part);
    if (!m) throw new CaretError('Syntax error', ctx.text.indexOf(part, ctx.argsOffset));
    const lo = BigInt(`0x${m[1]}`);
    ranges.push([lo, m[2] !== undefined ? BigInt(`0x${m[2]}`) : lo]);
  }
  return existing.filter((id) => ranges.some(([lo, hi]) => BigInt(id) >= lo && BigInt(id) <= hi));
}

function readLE(bytes: Uint8Array): bigint {
  let v = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[i]);
  return v;
}

function toBytes(v: bigint, size: number): Uint8Array {
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i++) out[i] = Number((v >> BigInt(8 * i)) & 0xffn);
  return out;
}

// --- handlers -----------------------------------------------------------------------------------

function setBreakpoint(s: KdSession, args: string, ctx: CommandContext, deferredOnly: boolean): string {
  const explicit = /^b[pu](\d+)$/i.exec(ctx.name);
  const expression = args.trim();
  if (expression === '') {
    // `bp` alone sets a breakpoint at the current instruction.
    const rip = s.machine.getReg('rip');
    const r = s.breakpoints.set(fmt.addr64(rip), rip);
    return r.redefined ? `breakpoint ${r.id} redefined` : '';
  }
  let address: bigint | undefined;
  let unresolved = false;
  try {
    address = oneValue(s, expression, ctx);
  } catch (e) {
    if (e instanceof ExprError && e.kind === 'resolve') unresolved = true;
    else throw e;
  }
  if (deferredOnly && address === undefined) unresolved = true;
  const id = explicit ? Number(explicit[1]) : undefined;
  const existedAtId = id !== undefined && s.breakpoints.get(id) !== undefined;
  const r = s.breakpoints.set(expression, address === undefined ? undefined : address & MASK64, id);
  const lines: string[] = [];
  if (existedAtId) lines.push(`breakpoint ${r.id} exists, redefining`);
  if (r.redefined) lines.push(`breakpoint ${r.id} redefined`);
  if (unresolved && !deferredOnly) lines.push(fmt.deferredBreakpoint(expression));
  return lines.join('\n');
}

function listBreakpoints(s: KdSession): string {
  return s.breakpoints
    .all()
    .map((b) =>
      fmt.breakpointListLine({
        id: b.id, enabled: b.enabled, address: b.address, expression: b.expression,
        symbol: b.address !== undefined ? s.symbolize(b.address) : undefined, passes: 1, initialPasses: 1,
      }),
    )
    .join('\n');
}

function registerCommand(s: KdSession, args: string, ctx: CommandContext): string {
  if (args.trim() === '') return `${fmt.registerBlock(s.registerFile())}\n${s.currentLocation()}`;
  const shown: string[] = [];
  let i = ctx.argsOffset;
  const text = ctx.text;
  const skip = () => { while (i < text.length && /\s/.test(text[i])) i++; };
  for (;;) {
    skip();
    const m = /^@?([A-Za-z$][A-Za-z0-9$]*)/.exec(text.slice(i));
    if (!m) throw new CaretError('Syntax error', i);
    const name = m[1].toLowerCase();
    const nameEnd = i + m[0].length;
    if (s.registers.get(name) === undefined) throw new PlainError(`Bad register error at '${text.slice(i)}'`);
    i = nameEnd;
    skip();
    if (text[i] === '=') {
      const r = s.evalPrefix(text.slice(i + 1));
      if (!s.registers.set(name, r.value)) throw new PlainError(`Bad register error at '${text.slice(nameEnd - m[0].length)}'`);
      i = i + 1 + r.used;
      skip();
    } else {
      shown.push(s.registers.show(name)!);
    }
    if (i >= text.length) break;
    if (text[i] === ',') { i++; continue; }
    throw new CaretError('Syntax error', nameEnd - 1);
  }
  return shown.join(' ');
}

function unassemble(s: KdSession, args: string, ctx: CommandContext): string {
  const r = parseRange(s, args, ctx, 8, 1, MAX_INSTRUCTIONS);
  let address = r.start ?? s.nextUnassemble ?? s.machine.getReg('rip');
  const lines: string[] = [];
  const first = s.kernel.symbols.nearest(address);
  if (first) lines.push(`${fmt.symbolWithOffset(first.name, address - first.address)}:`);
  const count = r.end !== undefined ? MAX_INSTRUCTIONS : r.count;
  for (let n = 0; n < count; n++) {
    if (r.end !== undefined && address > r.end) break;
    if (n > 0) {
      const near = s.kernel.symbols.nearest(address);
      if (near && near.address === address) lines.push(`${near.name}:`);
    }
    const d = s.disassemble(address);
    lines.push(d.line);
    if (!d.readable) {
      s.nextUnassemble = address;
      lines.push(fmt.caretError(ctx.column + ctx.text.length - 1, 'Memory access error', ctx.text));
      return lines.join('\n');
    }
    address = (address + BigInt(d.length)) & MASK64;
  }
  s.nextUnassemble = address;
  return lines.join('\n');
}

/**
 * `ub`: disassemble the instructions before an address. x86 code cannot be decoded backwards: start
 * at the nearest symbol before the address when there is one, else (like kd) try start points
 * further and further back until decoding forward lands exactly on the address, and show the last
 * instructions.
 */
function unassembleBackwards(s: KdSession, args: string, ctx: CommandContext): string {
  const r = parseRange(s, args, ctx, 8, 1, MAX_INSTRUCTIONS);
  if (r.end !== undefined) throw new CaretError('Syntax error', ctx.text.length - 1);
  const end = r.start ?? s.machine.getReg('rip');
  const want = r.count;
  let best: bigint[] = [];
  // A symbol at or before the address is a known instruction boundary: decode forward from it.
  const sym = s.kernel.symbols.nearest((end - 1n) & MASK64);
  if (sym && end - sym.address <= 0x10000n) {
    let a = sym.address;
    while (a < end) {
      const d = s.disassemble(a);
      if (!d.readable) break;
      best.push(a);
      a = (a + BigInt(d.length)) & MASK64;
    }
  }
  // Otherwise (or when that is too short), try start points further and further back.
  for (let back = 1; back <= want * 15 && best.length < want; back++) {
    const seq: bigint[] = [];
    let a = (end - BigInt(back)) & MASK64;
    while (a < end) {
      const d = s.disassemble(a);
      if (!d.readable || !d.ins) break;
      seq.push(a);
      a = (a + BigInt(d.length)) & MASK64;
    }
    if (a === end && seq.length > best.length) best = seq;
  }
  const lines: string[] = [];
  for (const [i, a] of best.slice(-want).entries()) {
    const near = s.kernel.symbols.nearest(a);
    if (near && (i === 0 || near.address === a)) lines.push(`${fmt.symbolWithOffset(near.name, a - near.address)}:`);
    lines.push(s.disassemble(a).line);
  }
  if (lines.length === 0) throw new CaretError('Memory access error', ctx.text.length - 1);
  return lines.join('\n');
}

type DumpKind = 'db' | 'dw' | 'dd' | 'dq' | 'dp' | 'dps';
const DUMP_UNIT: Record<DumpKind, 1 | 2 | 4 | 8> = { db: 1, dw: 2, dd: 4, dq: 8, dp: 8, dps: 8 };

function dump(kind: DumpKind) {
  return (s: KdSession, args: string, ctx: CommandContext): string => {
    const unit = DUMP_UNIT[kind];
    const r = parseRange(s, args, ctx, 128 / unit, unit, MAX_ELEMENTS);
    const start = r.start ?? (s.nextDump?.address ?? s.machine.getReg('rip'));
    const read = (a: bigint, n: number) => s.machine.readVirtual(a & MASK64, n);
    s.nextDump = { address: (start + BigInt(r.count * unit)) & MASK64, command: kind };
    if (r.count === 0) return '';
    if (kind === 'db') return fmt.dumpBytes(start, r.count, read);
    if (kind === 'dps') return fmt.dumpPointersWithSymbols(start, r.count, read, (v) => s.symbolize(v));
    return fmt.dumpUnits(start, r.count, unit as 2 | 4 | 8, read);
  };
}

function enter(size: 1 | 2 | 4 | 8) {
  return (s: KdSession, args: string, ctx: CommandContext): string => {
    const a = s.evalPrefix(args);
    let rest = a.rest;
    const values: bigint[] = [];
    while (rest.trim() !== '') {
      const v = s.evalPrefix(rest);
      values.push(v.value);
      rest = v.rest;
    }
    if (values.length === 0) throw new CaretError('Syntax error', ctx.text.length - 1);
    let address = a.value;
    for (const v of values) {
      if (!s.machine.writeVirtual(address, toBytes(v, size))) throw new CaretError('Memory access error', ctx.text.length - 1);
      address = (address + BigInt(size)) & MASK64;
    }
    s.nextUnassemble = null;
    return '';
  };
}

function readMsr(s: KdSession, args: string, ctx: CommandContext): string {
  const index = Number(oneValue(s, args, ctx) & 0xffffffffn);
  try {
    return fmt.rdmsrLine(index, s.machine.readMsr(index));
  } catch {
    return `no data for msr ${index.toString(16)}`;
  }
}

function writeMsr(s: KdSession, args: string, ctx: CommandContext): string {
  const i = s.evalPrefix(args);
  if (i.rest.trim() === '') throw new CaretError('Syntax error', ctx.text.length - 1);
  const value = oneValue(s, i.rest, ctx);
  const index = Number(i.value & 0xffffffffn);
  try {
    s.machine.writeMsr(index, value);
  } catch {
    return `no data for msr ${index.toString(16)}`;
  }
  return '';
}

function stackCommand(withArgs: boolean) {
  return (s: KdSession, args: string, ctx: CommandContext): string => {
    let max = 32;
    const a = args.trim().replace(/^l\s*/i, '');
    if (a !== '') max = Math.max(1, Math.min(0x100, Number(oneValue(s, a, ctx))));
    const frames = s.walk(max).map((f) => ({
      childSp: f.childSp, retAddr: f.retAddr, args: f.args,
      callSite: (s.symbolize(f.pc) ?? `0x${fmt.addr64(f.pc)}`) + (f.trapFrame !== undefined ? ` (TrapFrame @ ${fmt.addr64(f.trapFrame)})` : ''),
    }));
    return fmt.stackTrace(frames, withArgs);
  };
}

function structOffset(s: KdSession, struct: string, field: string): number | undefined {
  return s.kernel.structs[struct]?.fields.find((f) => f.name === field)?.offset;
}

function pcrCommand(s: KdSession): string {
  const pcr = s.kpcr();
  const q = (o: number | undefined) => (o === undefined ? 0n : s.readQword(pcr + BigInt(o)) ?? 0n);
  const prcbOff = structOffset(s, '_KPCR', 'Prcb') ?? 0x180;
  const prcb = pcr + BigInt(prcbOff);
  const inPrcb = (f: string) => {
    const o = structOffset(s, '_KPRCB', f);
    return o === undefined ? 0n : s.readQword(prcb + BigInt(o)) ?? 0n;
  };
  const irql = s.machine.readVirtual(pcr + BigInt(structOffset(s, '_KPCR', 'Irql') ?? 0x50), 1);
  // On x64 the NT_TIB view of the KPCR overlays GdtBase, TssBase, UserRsp, Self, CurrentPrcb,
  // LockArray and Used_Self; !pcr prints those words under the NtTib names.
  return fmt.pcrReport(pcr, [
    [
      ['NtTib.ExceptionList', q(0)], ['NtTib.StackBase', q(8)], ['NtTib.StackLimit', q(0x10)],
      ['NtTib.SubSystemTib', q(0x18)], ['NtTib.Version', q(0x20)], ['NtTib.UserPointer', q(0x28)], ['NtTib.SelfTib', q(0x30)],
    ],
    [
      ['SelfPcr', 0n], ['Prcb', prcb], ['Irql', BigInt(irql?.[0] ?? 0)], ['IRR', 0n], ['IDR', 0n], ['InterruptMode', 0n],
      ['IDT', 0n], ['GDT', 0n], ['TSS', 0n],
    ],
    [['CurrentThread', inPrcb('CurrentThread')], ['NextThread', inPrcb('NextThread')], ['IdleThread', inPrcb('IdleThread')]],
  ]);
}

/** `!idt`: the present gates of the IDT (16-byte gate descriptors, SDM Vol. 3A §7.14.1 Figure
 *  7-8), with the IST stack from the TSS (IST1 at TSS+24h, §8.7 Figure 8-11). */
function idtCommand(s: KdSession, args: string, ctx: CommandContext): string {
  const pcr = s.kpcr();
  const idt = s.readQword(pcr + BigInt(structOffset(s, '_KPCR', 'IdtBase') ?? 0x38)) ?? 0n;
  const tss = s.readQword(pcr + BigInt(structOffset(s, '_KPCR', 'TssBase') ?? 0x08)) ?? 0n;
  let vectors = [...Array(256).keys()];
  if (args.trim() !== '') {
    const v = oneValue(s, args, ctx);
    if (v > 0xffn) throw new CaretError('Range error', ctx.text.length - 1);
    vectors = [Number(v)];
  }
  const entries: fmt.IdtEntryView[] = [];
  for (const v of vectors) {
    const g = s.machine.readVirtual(idt + BigInt(v * 16), 16);
    if (!g || !(g[5] & 0x80)) continue;
    const handler = BigInt(g[0] | (g[1] << 8)) | (BigInt(g[6] | (g[7] << 8)) << 16n) | (readLE(g.slice(8, 12)) << 32n);
    const ist = g[4] & 7;
    const stack = ist ? s.readQword(tss + 0x24n + BigInt(8 * (ist - 1))) : undefined;
    entries.push({ vector: v, handler, symbol: s.symbolize(handler), stack });
  }
  if (vectors.length === 1 && entries.length === 0) return `${fmt.hexN(vectors[0], 2)}: not present`;
  return fmt.idtReport(idt, entries);
}

function displayType(s: KdSession, args: string, ctx: CommandContext): string {
  const m = /^\s*(\S+)\s*(.*)$/.exec(args);
  if (!m) throw new CaretError('Syntax error', ctx.text.length - 1);
  const [, typed, addrText] = m;
  const bare = typed.includes('!') ? typed.slice(typed.indexOf('!') + 1) : typed;
  const module = typed.includes('!') ? typed.slice(0, typed.indexOf('!')) : 'nt';
  // The modeled types live in nt's symbols; ntdll's public symbols carry the user-mode ones too.
  const known = ['nt', 'ntdll'].includes(module.toLowerCase());
  const def = known ? Object.values(s.kernel.structs).find((d) => d.name.toLowerCase() === bare.toLowerCase()) : undefined;
  if (!def) return `Symbol ${typed.includes('!') ? typed : `nt!${typed}`} not found.`;
  const header = typed.includes('!') ? [] : [`nt!${def.name}`];
  // After the type, WinDbg takes field names and an address in either order
  // (`dt nt!_KPCR @$pcr UserRsp`); a word that begins a field's name selects those fields.
  const words = addrText.trim() === '' ? [] : addrText.trim().split(/\s+/);
  const fieldWords = words.filter((w) => def.fields.some((f) => f.name.startsWith(w)));
  const rest = words.filter((w) => !fieldWords.includes(w)).join(' ');
  let address: bigint | undefined;
  if (rest !== '') address = oneValue(s, rest, ctx);
  const shown = fieldWords.length === 0 ? def.fields : def.fields.filter((f) => fieldWords.some((w) => f.name.startsWith(w)));
  const fields = shown.map((f) => {
    const view: fmt.FieldView = { offset: f.offset, name: f.name, type: f.type };
    if (address !== undefined) {
      const bytes = s.machine.readVirtual((address + BigInt(f.offset)) & MASK64, Math.min(f.size, 8));
      if (f.kind === 'struct' || f.kind === 'array') view.value = f.type;
      else if (!bytes) view.value = '??';
      else if (f.kind === 'int' && f.size === 8) view.value = `0x${fmt.addr64(readLE(bytes))}`;
      else view.value = fmt.fieldValue(f.type, bytes) ?? `0x${readLE(bytes).toString(16)}`;
    }
    return view;
  });
  return [...header, fmt.structLines(fields)].join('\n');
}

function examine(s: KdSession, args: string, ctx: CommandContext): string {
  let pattern = args.trim();
  if (pattern === '') throw new CaretError('Syntax error', ctx.text.length - 1);
  if (!pattern.includes('!')) pattern = `*!${pattern}`;
  const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 'i');
  return s.kernel.symbols
    .all()
    .filter((sym) => re.test(sym.name))
    .slice()
    .sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : a.name.localeCompare(b.name)))
    .map((sym) => fmt.examineLine(sym.address, sym.name))
    .join('\n');
}

function nearest(s: KdSession, args: string, ctx: CommandContext): string {
  const a = args.trim() === '' ? s.machine.getReg('rip') : oneValue(s, args, ctx);
  const below = s.kernel.symbols.nearest(a);
  if (!below) return '';
  let above: { address: bigint; name: string } | undefined;
  for (const sym of s.kernel.symbols.all()) {
    if (sym.address > a && (!above || sym.address < above.address)) above = sym;
  }
  return fmt.nearestReport({ address: below.address, name: below.name, offset: a - below.address }, above);
}

function listModules(s: KdSession, args: string): string {
  const filter = /^\s*m\s+(\S+)/i.exec(args)?.[1];
  const re = filter ? new RegExp(`^${filter.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`, 'i') : null;
  const mods = [...s.kernel.symbols.modules]
    .filter((m) => !re || re.test(m.name))
    .sort((a, b) => (a.base < b.base ? -1 : 1))
    .map((m) => ({
      name: m.name, start: m.base, end: m.base + m.size, status: '(pdb symbols)',
      image: (m.image ?? `${m.name}.exe`).replace(/\.(exe|dll|sys)$/i, '.pdb'),
    }));
  return fmt.moduleList(mods);
}

function bugcheckCommand(s: KdSession): string {
  return fmt.bugCheckSummary(s.bugcheck ?? { code: 0, args: [0n, 0n, 0n, 0n] });
}

function analyze(s: KdSession, args: string): string {
  if (!s.bugcheck) {
    return 'No bug check has occurred on this target; !analyze needs a crashed system (see .bugcheck).';
  }
  const bc = s.bugcheck;
  const frames = s.walk(16);
  if (args.trim() === '-v') {
    const stack = frames.map((f) => `${fmt.addr64(f.childSp)} ${fmt.addr64(f.retAddr)}     : ${f.args.map(fmt.addr64).join(' ')} : ${s.symbolize(f.pc) ?? `0x${fmt.addr64(f.pc)}`}`);
    // The failing code is the first frame that is not the bug-check machinery itself.
    // SYMBOL_NAME is `module!function+offset` with the offset in bare hex.
    const culprit = frames
      .map((f) => ({ f, near: s.kernel.symbols.nearest(f.pc) }))
      .find(({ near }) => near && !/KeBugCheck|DbgBreakPoint/.test(near.name));
    const symbol = culprit?.near ? `${culprit.near.name}${culprit.f.pc === culprit.near.address ? '' : `+${(culprit.f.pc - culprit.near.address).toString(16)}`}` : undefined;
    return fmt.analyzeReport(bc, { stack, symbol, bucketSymbol: culprit?.near?.name });
  }
  const stars = '*'.repeat(79);
  const blank = `*${' '.repeat(77)}*`;
  return [
    stars, blank, `*${' '.repeat(24)}Bugcheck Analysis${' '.repeat(36)}*`, blank, stars, '',
    'Use !analyze -v to get detailed debugging information.', '',
    `BugCheck ${bc.code.toString(16).toUpperCase()}, {${bc.args.map((a) => a.toString(16)).join(', ')}}`, '',
    'Followup:     MachineOwner',
    '---------',
  ].join('\n');
}

function stepCommand(over: boolean) {
  return function* (s: KdSession, args: string, ctx: CommandContext): RunSteps {
    let count = 1;
    if (args.trim() !== '') {
      const v = oneValue(s, args, ctx);
      if (v > BigInt(MAX_STEPS)) throw new CaretError('Range error', ctx.text.length - 1);
      count = Math.max(1, Number(v));
    }
    const outs: string[] = [];
    for (let i = 0; i < count; i++) {
      const before = s.events.length;
      const rip = s.machine.getReg('rip');
      const d = s.disassemble(rip);
      // `p` runs to the next instruction over anything that returns there: a call, or a system
      // call / software interrupt whose kernel side ends in sysret / iretq back to it.
      if (over && d.ins && /^(call|syscall|int)$/.test(d.ins.mnemonic)) {
        outs.push(yield* s.goSteps({ tempAt: (rip + BigInt(d.length)) & MASK64, showRegisters: true }));
      } else {
        outs.push(s.step());
        // A pause point between single steps too: `t 0n1000` or `p` over many steps is long.
        if (i + 1 < count) yield;
      }
      const last = s.events[s.events.length - 1];
      if (s.events.length === before || last.kind !== 'step') break;
    }
    return outs.join('\n');
  };
}

function* goUp(s: KdSession): RunSteps {
  const [frame] = s.walk(1);
  if (!frame || frame.retAddr === 0n) throw new PlainError('Unable to find the return address of the current function.');
  return yield* s.goSteps({ tempAt: frame.retAddr });
}

function* go(s: KdSession, args: string, ctx: CommandContext): RunSteps {
  let rest = args.trim();
  if (rest.startsWith('=')) {
    const r = s.evalPrefix(rest.slice(1));
    s.machine.setReg('rip', r.value);
    rest = r.rest.trim();
  }
  if (rest !== '') return yield* s.goSteps({ tempAt: oneValue(s, rest, ctx) });
  return yield* s.goSteps();
}

function help(): string {
  const width = Math.max(...COMMANDS.map((c) => c.syntax.length)) + 2;
  return [
    'kd commands (expressions use the MASM evaluator: hex by default, 0x 0n 0t 0y, @reg, nt!Sym+0x15, poi()):',
    ...COMMANDS.map((c) => `${c.syntax.padEnd(width)}${c.help}`),
  ].join('\n');
}

// --- the table ----------------------------------------------------------------------------------

export const COMMANDS: Command[] = [
  { name: 'bp', syntax: 'bp[ID] [Address]', help: 'set a breakpoint (an int 3 written into guest memory when the target runs)', handler: (s, a, c) => setBreakpoint(s, a, c, false) },
  { name: 'bu', syntax: 'bu[ID] Address', help: 'set a deferred breakpoint, resolved by symbol', handler: (s, a, c) => setBreakpoint(s, a, c, true) },
  { name: 'bl', syntax: 'bl', help: 'list breakpoints', handler: (s) => listBreakpoints(s) },
  { name: 'bc', syntax: 'bc IDs|*', help: 'clear breakpoints (1 3, 1,3, 1-3, *)', handler: (s, a, c) => { for (const id of parseIds(s, a, c)) s.breakpoints.remove(id); return ''; } },
  { name: 'bd', syntax: 'bd IDs|*', help: 'disable breakpoints', handler: (s, a, c) => { for (const id of parseIds(s, a, c)) { const b = s.breakpoints.get(id); if (b) b.enabled = false; } return ''; } },
  { name: 'be', syntax: 'be IDs|*', help: 'enable breakpoints', handler: (s, a, c) => { for (const id of parseIds(s, a, c)) { const b = s.breakpoints.get(id); if (b) b.enabled = true; } return ''; } },
  { name: 'g', syntax: 'g [=Start] [Address]', help: 'go: run until an event (breakpoint, bug check) or the instruction budget', handler: go },
  { name: 't', syntax: 't [Count]', help: 'trace: execute one instruction (TF set, reported through the kernel\'s #DB handler)', handler: stepCommand(false) },
  { name: 'p', syntax: 'p [Count]', help: 'step: like t, but runs a call (or syscall, int n) to its return', handler: stepCommand(true) },
  { name: 'gu', syntax: 'gu', help: 'go up: run until the current function returns', handler: (s) => goUp(s) },
  { name: 'r', syntax: 'r [Reg[=Expr][, ...]]', help: 'show all registers, some registers, or assign one (r rax=5)', handler: registerCommand },
  { name: 'u', syntax: 'u [Address] [L Count | End]', help: 'unassemble (8 instructions; a bare u continues)', handler: unassemble },
  { name: 'ub', syntax: 'ub [Address] [L Count]', help: 'unassemble the instructions before an address', handler: unassembleBackwards },
  { name: 'db', syntax: 'db [Address] [L Count | End]', help: 'display bytes and ASCII', handler: dump('db') },
  { name: 'dw', syntax: 'dw [Address] [L Count | End]', help: 'display words', handler: dump('dw') },
  { name: 'dd', syntax: 'dd [Address] [L Count | End]', help: 'display dwords', handler: dump('dd') },
  { name: 'dq', syntax: 'dq [Address] [L Count | End]', help: 'display qwords', handler: dump('dq') },
  { name: 'dp', syntax: 'dp [Address] [L Count | End]', help: 'display pointers (qwords on x64)', handler: dump('dp') },
  { name: 'dps', syntax: 'dps [Address] [L Count | End]', help: 'display pointers with their symbols', handler: dump('dps') },
  { name: 'eb', syntax: 'eb Address Value [Value ...]', help: 'enter bytes', handler: enter(1) },
  { name: 'ew', syntax: 'ew Address Value [Value ...]', help: 'enter words', handler: enter(2) },
  { name: 'ed', syntax: 'ed Address Value [Value ...]', help: 'enter dwords', handler: enter(4) },
  { name: 'eq', syntax: 'eq Address Value [Value ...]', help: 'enter qwords', handler: enter(8) },
  { name: 'rdmsr', syntax: 'rdmsr Msr', help: 'read a model-specific register', handler: readMsr },
  { name: 'wrmsr', syntax: 'wrmsr Msr Value', help: 'write a model-specific register', handler: writeMsr },
  { name: 'k', syntax: 'k [Count]', help: 'stack backtrace', handler: stackCommand(false) },
  { name: 'kb', syntax: 'kb [Count]', help: 'stack backtrace with the first four stack arguments', handler: stackCommand(true) },
  { name: '!pcr', syntax: '!pcr', help: 'processor control region of processor 0', handler: (s) => pcrCommand(s) },
  { name: '!idt', syntax: '!idt [Vector]', help: 'interrupt descriptor table: handlers and IST stacks', handler: idtCommand },
  { name: 'dt', syntax: 'dt [nt!]Type [Field ...] [Address]', help: 'display a type (_KPCR _KPRCB _KTHREAD _KTRAP_FRAME _TEB ...), with values at Address', handler: displayType },
  { name: '?', syntax: '? Expression', help: 'evaluate a MASM expression (? alone: this list)', handler: (s, a, c) => (a.trim() === '' ? help() : fmt.evaluateLine(oneValue(s, a, c))) },
  { name: 'x', syntax: 'x Module!Pattern', help: 'examine symbols (wildcards * and ?)', handler: examine },
  { name: 'ln', syntax: 'ln [Address]', help: 'list the nearest symbols', handler: nearest },
  { name: 'lm', syntax: 'lm [m Pattern]', help: 'list loaded modules', handler: (s, a) => listModules(s, a) },
  { name: '.bugcheck', syntax: '.bugcheck', help: 'bug check code and arguments', handler: (s) => bugcheckCommand(s) },
  { name: '!analyze', syntax: '!analyze [-v]', help: 'analyse the bug check', handler: (s, a) => analyze(s, a) },
  { name: '.reboot', syntax: '.reboot', help: 'restart the target (breakpoints are kept)', handler: (s) => s.reboot() },
  { name: '.help', syntax: '.help', help: 'this list', handler: () => help() },
  { name: 'q', syntax: 'q', help: 'quit', handler: (s) => { s.ended = true; return 'quit:'; } },
];

const BY_NAME = new Map(COMMANDS.map((c) => [c.name, c]));

/** Finds the command a line starts with: the longest table name followed by a non-name
 *  character; `bp0`/`bu1` carry an explicit breakpoint id. */
export function findCommand(text: string): { command: Command; name: string; args: string; argsOffset: number } | undefined {
  const idForm = /^(b[pu])(\d+)(?![0-9A-Za-z_!])/i.exec(text);
  if (idForm) {
    const command = BY_NAME.get(idForm[1].toLowerCase())!;
    return { command, name: idForm[0].toLowerCase(), args: text.slice(idForm[0].length), argsOffset: idForm[0].length };
  }
  const m = /^(\?|[.!]?[A-Za-z_]+)/.exec(text);
  if (!m) return undefined;
  const name = m[1].toLowerCase();
  const command = BY_NAME.get(name);
  if (!command) return undefined;
  return { command, name, args: text.slice(name.length), argsOffset: name.length };
}
