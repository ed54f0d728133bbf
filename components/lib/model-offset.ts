// Which `module!Function+offset` names hold on a real Windows 10 build 17134 kernel, and which
// exist only in this book's model. The model's nt code is byte-exact only for KiSystemCall64
// +00h..+7Bh (copied from a public 17134 listing); any other offset inside an nt routine is where
// the model's own code puts an instruction, and a real kernel has something else there.
// Function names alone (offset 0) are real symbols; user-mode names are not judged here.

/** The byte-exact region of nt, by routine: [first, last] offsets. */
const EXACT: Record<string, [number, number]> = { kisystemcall64: [0, 0x7b] };

export const MODEL_OFFSET_NOTE =
  'An offset in this book\u2019s model of the kernel: on a real Windows 10 build 17134 kernel a different instruction is there.';

/** True for `nt!KiPageFault+0x10` (model), false for `nt!KiSystemCall64+0x15` or `nt!KiPageFault`. */
export function isModelOffset(symbol: string): boolean {
  const m = /^nt!([A-Za-z0-9_]+)\+(?:0x)?([0-9a-f]+)(h?)$/i.exec(symbol.trim());
  if (!m) return false;
  const off = parseInt(m[2], 16);
  if (off === 0) return false;
  const exact = EXACT[m[1].toLowerCase()];
  return !(exact && off >= exact[0] && off <= exact[1]);
}
