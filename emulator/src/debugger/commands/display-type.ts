// dt: a type's layout, with values at an address. Options (Microsoft's "dt (Display Type)"
// reference): -r[depth] expands embedded structures (to depth levels, 1..9; -r alone goes all the
// way), -b expands them all, -v gives each structure's element count and size. Embedded structures
// the model has no layout for are named, not expanded, in a closing note. After the type, field
// names and an address come in either order (`dt nt!_KPCR @$pcr UserRsp`).

import { CaretError } from '../errors.ts';
import * as fmt from '../format.ts';
import { arrayText, bitsText, scalarText, verboseAggregate } from '../format/types.ts';
import type { KdSession } from '../session.ts';
import type { StructFieldView, StructView } from '../target.ts';
import { MASK64, oneValue } from './args.ts';
import type { CommandContext } from './command.ts';

interface DtOptions {
  depth: number;
  verbose: boolean;
}

/** A field's value text at an address. */
function valueText(s: KdSession, f: StructFieldView, address: bigint): string {
  const at = (address + BigInt(f.offset)) & MASK64;
  if (f.kind === 'struct') return f.type;
  const bytes = s.machine.readVirtual(at, f.kind === 'array' ? Math.min(f.size, 0x100) : Math.min(f.size, 8));
  if (!bytes) return '??';
  if (f.bits) return bitsText(bytes, f.bits.pos, f.bits.len);
  if (f.kind === 'array') return arrayText(f.type, bytes, f.size);
  return scalarText(f.type, bytes);
}

/** dt's line for each field (values when an address is given); used by `??` for a whole struct. */
export function fieldViews(s: KdSession, shown: readonly StructFieldView[], address?: bigint): fmt.FieldView[] {
  return shown.map((f) => ({ offset: f.offset, name: f.name, type: f.type, ...(address !== undefined ? { value: valueText(s, f, address) } : {}) }));
}

function structOf(s: KdSession, type: string): StructView | undefined {
  return s.kernel.structs[type];
}

/** `dt -v`'s type text. Types the model has no layout for are named without size (noted). */
function verboseType(s: KdSession, f: StructFieldView, unknown: Set<string>): string {
  if (f.bits) return `Bitfield ${f.type}`;
  const ptr = /^Ptr64 (.*)$/.exec(f.type);
  const target = ptr ? ptr[1] : f.kind === 'struct' ? f.type : undefined;
  if (target === undefined || target === 'Void') return ptr ? 'Ptr64 to Void' : f.type;
  const def = structOf(s, target);
  if (!def && target.startsWith('_')) unknown.add(target);
  const agg = def ? verboseAggregate(def.name, def.union, def.layoutFields ?? def.fields.length, def.size ?? null) : target;
  return ptr ? `Ptr64 to ${agg}` : agg;
}

function render(s: KdSession, def: StructView, shown: readonly StructFieldView[], address: bigint | undefined, indent: string,
  depth: number, opts: DtOptions, notes: { unknown: Set<string>; partial: string[] }): string[] {
  const lines: string[] = [];
  for (const f of shown) {
    const text = address !== undefined ? valueText(s, f, address) : opts.verbose ? verboseType(s, f, notes.unknown) : f.type;
    lines.push(`${indent}+0x${f.offset.toString(16).padStart(3, '0')} ${f.name.padEnd(16)} : ${text}`);
    if (f.kind !== 'struct' || depth <= 0) continue;
    const sub = structOf(s, f.type);
    if (!sub) { notes.unknown.add(f.type); continue; }
    const subAddr = address === undefined ? undefined : (address + BigInt(f.offset)) & MASK64;
    lines.push(...render(s, sub, sub.fields, subAddr, `${indent}   `, depth - 1, opts, notes));
    const omitted = (sub.layoutFields ?? sub.fields.length) - sub.fields.length;
    if (omitted > 0) notes.partial.push(`${sub.name} (${omitted} of ${sub.layoutFields})`);
  }
  return lines;
}

export function displayType(s: KdSession, args: string, ctx: CommandContext): string {
  const opts: DtOptions = { depth: 0, verbose: false };
  const rest: string[] = [];
  for (const w of args.trim() === '' ? [] : args.trim().split(/\s+/)) {
    const o = /^-([rbv]\d?)+$/i.exec(w) ? w.slice(1) : null;
    if (o === null) { rest.push(w); continue; }
    for (const m of o.matchAll(/([rbv])(\d?)/gi)) {
      const letter = m[1].toLowerCase();
      if (letter === 'v') opts.verbose = true;
      else if (letter === 'b') opts.depth = 9;
      else opts.depth = m[2] ? Number(m[2]) : 9;
    }
  }
  if (rest.length === 0) throw new CaretError('Syntax error', ctx.text.length - 1);
  const [typed, ...words] = rest;
  const bare = typed.includes('!') ? typed.slice(typed.indexOf('!') + 1) : typed;
  const module = typed.includes('!') ? typed.slice(0, typed.indexOf('!')) : 'nt';
  // The modeled types live in nt's symbols; ntdll's public symbols carry the user-mode ones too.
  const known = ['nt', 'ntdll'].includes(module.toLowerCase());
  const def = known ? Object.values(s.kernel.structs).find((d) => d.name.toLowerCase() === bare.toLowerCase()) : undefined;
  if (!def) return `Symbol ${typed.includes('!') ? typed : `nt!${typed}`} not found.`;
  const fieldWords = words.filter((w) => def.fields.some((f) => f.name.startsWith(w)));
  const addrText = words.filter((w) => !fieldWords.includes(w)).join(' ');
  const address = addrText !== '' ? oneValue(s, addrText, ctx) : undefined;
  const shown = fieldWords.length === 0 ? def.fields : def.fields.filter((f) => fieldWords.some((w) => f.name.startsWith(w)));
  const notes = { unknown: new Set<string>(), partial: [] as string[] };
  const header = opts.verbose
    ? [verboseAggregate(def.name, def.union, def.layoutFields ?? def.fields.length, def.size ?? null)]
    : typed.includes('!') ? [] : [`nt!${def.name}`];
  const lines = render(s, def, shown, address, '   ', opts.depth, opts, notes);
  const omitted = fieldWords.length === 0 && def.layoutFields !== undefined ? def.layoutFields - def.fields.length : 0;
  const tail: string[] = [];
  if (omitted > 0) tail.push(fmt.partialStructNote(def.name, omitted, def.layoutFields!));
  if (notes.partial.length) tail.push(`   (model: of the expanded structures, only some fields are modeled: ${[...new Set(notes.partial)].join(', ')})`);
  if (notes.unknown.size) tail.push(`   (model: ${[...notes.unknown].join(', ')} ${notes.unknown.size === 1 ? 'has' : 'have'} no modeled layout; not expanded)`);
  return [...header, ...lines, ...tail].join('\n');
}
