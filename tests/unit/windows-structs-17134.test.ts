// Every field `dt` prints is checked against the Vergilius 17134 layout (transcribed in
// vergilius-17134-table.ts, which cites the header): offset, name and type as WinDbg prints it,
// the structure's size, and how many fields of the real type the model leaves out.
import { describe, expect, it } from 'vitest';
import { STRUCTS } from '../../emulator/src/windows/structs.ts';
import { VERGILIUS_17134 } from './vergilius-17134-table.ts';
import { KdSession } from '../../emulator/src/debugger/session.ts';
import { bootModeledWindows } from '../../emulator/src/scenario/index.ts';

const BASE: Record<string, string> = {
  ULONG: 'Uint4B', LONG: 'Int4B', UCHAR: 'UChar', CHAR: 'Char', USHORT: 'Uint2B', SHORT: 'Int2B',
  ULONGLONG: 'Uint8B', LONGLONG: 'Int8B', VOID: 'Void',
};

/** `struct _KPRCB *CurrentPrcb` -> { name: 'CurrentPrcb', type: 'Ptr64 _KPRCB' } (dt's spelling);
 *  a bit field `USHORT Type : 5` that starts at bit `pos` -> `Pos 8, 5 Bits` (`Pos 15, 1 Bit`). */
function windbg(decl: string, pos = 0): { name: string; type: string; bits?: number } {
  const bf = /^(.*\S)\s*:\s*(\d+)$/.exec(decl);
  if (bf) {
    const n = Number(bf[2]);
    return { name: windbg(bf[1]).name, type: `Pos ${pos}, ${n} Bit${n === 1 ? '' : 's'}`, bits: n };
  }
  const d = decl.replace(/\b(volatile|const)\b/g, '').replace(/\s*\*\s*/g, ' *').replace(/\s+/g, ' ').trim();
  const m = /^(?:(?:struct|union|enum) )?(\w+) (\**)(\w+)(?:\[(\d+)\])?$/.exec(d);
  if (!m) throw new Error(`cannot read the declaration "${decl}"`);
  const [, base, stars, name, count] = m;
  let type = /^_/.test(base) ? base : (BASE[base] ?? base);
  for (let i = 0; i < stars.length; i++) type = `Ptr64 ${type}`;
  if (count) type = `[${count}] ${type}`;
  return { name, type };
}

/** Model fields still placed where a later build has them (the KVA-shadow block moves with
 *  KiSystemCall64Shadow's bytes); each must still differ, so the entry is removed when fixed. */
const PENDING: Record<string, string[]> = {};

describe('structure layouts against Vergilius 10.0.17134.1 x64', () => {
  it('the table covers exactly the structures the model prints', () => {
    expect(Object.keys(VERGILIUS_17134).sort()).toEqual(Object.keys(STRUCTS).sort());
  });

  for (const [name, def] of Object.entries(STRUCTS)) {
    it(`${name}: every printed field has its 17134 offset, name and type`, () => {
      const real = VERGILIUS_17134[name];
      expect(def.fields.length).toBe(real.declared.length);
      const wrong: string[] = [];
      // Consecutive bit fields at one offset fill the storage unit from bit 0 up.
      let bit = 0;
      let bitOffset = -1;
      def.fields.forEach((f, i) => {
        const [offset, decl] = real.declared[i];
        if (offset !== bitOffset) bit = 0;
        const w = windbg(decl, bit);
        if (w.bits !== undefined) { bit += w.bits; bitOffset = offset; } else { bit = 0; bitOffset = -1; }
        expect(f.name).toBe(w.name);
        const ok = f.offset === offset && f.type === w.type;
        const pending = PENDING[name]?.includes(f.name) ?? false;
        if (pending) expect(ok, `${name}.${f.name} now matches 17134: remove it from PENDING and from provenance/structs.ts`).toBe(false);
        else if (!ok) wrong.push(`${f.name}: model +0x${f.offset.toString(16)} ${f.type}, 17134 +0x${offset.toString(16)} ${w.type}`);
      });
      expect(wrong).toEqual([]);
    });

    it(`${name}: size, field count and completeness are those of 17134`, () => {
      const real = VERGILIUS_17134[name];
      expect(def.size).toBe(real.size);
      expect(def.layoutFields).toBe(real.fields);
      expect(def.complete).toBe(def.fields.length === real.fields);
    });
  }
});

describe('dt says when it prints part of a structure', () => {
  const s = new KdSession({ boot: bootModeledWindows });
  it('a partial structure ends with how many 17134 fields are left out', () => {
    const lines = s.exec('dt nt!_KPRCB').output.split('\n');
    expect(lines[lines.length - 1]).toBe(`   (model: ${303 - STRUCTS._KPRCB.fields.length} of the 303 fields of _KPRCB in build 17134 are not modeled and not shown)`);
  });
  it('a complete structure has no such line, nor does a selection of fields', () => {
    expect(s.exec('dt nt!_KTRAP_FRAME').output).not.toContain('not modeled');
    expect(s.exec('dt nt!_KPRCB CurrentThread').output).not.toContain('not modeled');
  });
  it('the KTRAP_FRAME union at 2Ah shows both members', () => {
    const out = s.exec('dt nt!_KTRAP_FRAME').output;
    expect(out).toContain('   +0x02a FaultIndicator   : UChar');
    expect(out).toContain('   +0x02a NmiMsrIbrs       : UChar');
  });
});
