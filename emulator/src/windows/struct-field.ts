// A structure layout as data: fields with the offset, name and type text `dt` prints, and how to
// read each one. structs.ts and structs-system.ts hold the layouts themselves.

/** How `dt <type> <address>` reads the field: an integer of `size` bytes, a pointer, an embedded
 *  struct (named by `type`) or an array. */
export type FieldKind = 'int' | 'sint' | 'ptr' | 'struct' | 'array';

export interface StructField {
  offset: number;
  name: string;
  /** Type as `dt` prints it. */
  type: string;
  kind: FieldKind;
  /** Bytes occupied (the whole array for arrays; the storage unit for a bit field). */
  size: number;
  /** A bit field (`dt` types it `Pos 3, 5 Bits`): its first bit and width in the storage unit. */
  bits?: { pos: number; len: number };
}

export interface StructDef {
  name: string;
  /** Total size when known from a source, else null. */
  size: number | null;
  /** True when every field of the real type is listed. */
  complete: boolean;
  /** A union (`dt -v` says `union _KIDTENTRY64, ...`); a struct when absent. */
  union?: boolean;
  /** Fields `dt` lists for the 17134 type (Vergilius layout, anonymous-union members and bit
   *  fields counted one each); more than `fields.length` means a partial structure. */
  layoutFields: number;
  fields: StructField[];
}

export function f(offset: number, name: string, type: string, size?: number): StructField {
  const bf = /^Pos (\d+), (\d+) Bits?$/.exec(type);
  if (bf) {
    if (!size) throw new Error(`structs.ts: storage size missing for the bit field ${name}`);
    return { offset, name, type, kind: 'int', size, bits: { pos: Number(bf[1]), len: Number(bf[2]) } };
  }
  let kind: FieldKind = 'int';
  let bytes = size ?? 0;
  if (type.startsWith('Ptr64')) { kind = 'ptr'; bytes = 8; }
  else if (type.startsWith('[')) { kind = 'array'; }
  else if (type.startsWith('_')) { kind = 'struct'; }
  else {
    const sizes: Record<string, number> = {
      UChar: 1, Char: 1, Uint2B: 2, Int2B: 2, Uint4B: 4, Int4B: 4, Uint8B: 8, Int8B: 8,
    };
    bytes = sizes[type] ?? bytes;
    if (type.startsWith('Int') || type === 'Char') kind = 'sint';
  }
  if (bytes === 0) throw new Error(`structs.ts: size missing for ${name} : ${type}`);
  return { offset, name, type, kind, size: bytes };
}

