// Types: dt over the modeled kernel's struct layouts.

import { CaretError } from '../errors.ts';
import * as fmt from '../format.ts';
import type { KdSession } from '../session.ts';
import type { StructFieldView } from '../target.ts';
import { MASK64, oneValue, readLE } from './args.ts';
import { family, type CommandContext } from './command.ts';
import { evaluateCppCommand } from './evaluate-cpp.ts';

/** dt's lines for fields, with their values when an address is given. */
export function fieldViews(s: KdSession, shown: readonly StructFieldView[], address?: bigint): fmt.FieldView[] {
  return shown.map((f) => {
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
  const fields = fieldViews(s, shown, address);
  const omitted = fieldWords.length === 0 && def.layoutFields !== undefined ? def.layoutFields - def.fields.length : 0;
  return [...header, fmt.structLines(fields), ...(omitted > 0 ? [fmt.partialStructNote(def.name, omitted, def.layoutFields!)] : [])].join('\n');
}

export const TYPE_COMMANDS = family('types', [
  { name: '??', syntax: '?? Expression', help: 'evaluate a C++ expression over registers and typed fields (?? @$pcr->Prcb.RspBase)', handler: (s, a) => evaluateCppCommand(s, a) },
  { name: 'dt', syntax: 'dt [nt!]Type [Field ...] [Address]', help: 'display a type (_KPCR _KPRCB _KTHREAD _KTRAP_FRAME _TEB ...), with values at Address', handler: displayType },
]);
