// The modeled system's code as bytes: what assembling kernel/*.ts and user/*.ts gives (nt's .text
// and KVASCODE, ntdll's stubs and code, the user program) and every label, by module. Booting
// needs only this, not the assembler or the source text; `assemble-image.ts` makes it from source
// and `image.generated.ts` holds it pre-assembled (a unit test keeps the two equal).
// The encoded form is plain data: bytes as hex (which gzips smaller than base64 for machine code),
// labels as `name=hex` lists.

export interface ImagePiece {
  /** Virtual address the bytes are placed at. */
  at: bigint;
  bytes: Uint8Array;
}

export interface KernelImage {
  /** Code, placed in this order (later pieces never overlap earlier ones). */
  pieces: ImagePiece[];
  /** Every label of every assembled piece, by module. */
  labels: { nt: Map<string, bigint>; ntdll: Map<string, bigint>; app: Map<string, bigint> };
}

export interface EncodedImage {
  /** [address as hex, bytes as hex] */
  pieces: Array<[string, string]>;
  /** `name=hex,name=hex,...` in the order the assembler produced them. */
  labels: { nt: string; ntdll: string; app: string };
}

function toHex(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += b.toString(16).padStart(2, '0');
  return s;
}

function fromHex(text: string): Uint8Array {
  const out = new Uint8Array(text.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(text.slice(2 * i, 2 * i + 2), 16);
  return out;
}

function encodeLabels(labels: Map<string, bigint>): string {
  return [...labels].map(([name, address]) => `${name}=${address.toString(16)}`).join(',');
}

function decodeLabels(text: string): Map<string, bigint> {
  const labels = new Map<string, bigint>();
  if (text === '') return labels;
  for (const entry of text.split(',')) {
    const eq = entry.indexOf('=');
    labels.set(entry.slice(0, eq), BigInt(`0x${entry.slice(eq + 1)}`));
  }
  return labels;
}

export function encodeImage(image: KernelImage): EncodedImage {
  return {
    pieces: image.pieces.map((p) => [p.at.toString(16), toHex(p.bytes)]),
    labels: { nt: encodeLabels(image.labels.nt), ntdll: encodeLabels(image.labels.ntdll), app: encodeLabels(image.labels.app) },
  };
}

export function decodeImage(encoded: EncodedImage): KernelImage {
  return {
    pieces: encoded.pieces.map(([at, bytes]) => ({ at: BigInt(`0x${at}`), bytes: fromHex(bytes) })),
    labels: { nt: decodeLabels(encoded.labels.nt), ntdll: decodeLabels(encoded.labels.ntdll), app: decodeLabels(encoded.labels.app) },
  };
}
