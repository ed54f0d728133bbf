// Assembles the modeled system's code from its source (kernel/*.ts, user/*.ts) with the CPU's own
// assembler. Node and the tests use it; `npm run build:image` writes its result to
// image.generated.ts, which is what a boot loads by default (so pages need neither the assembler
// nor the source). The code does not depend on boot options: they change data and tables only.

import { assemble } from '../cpu/assembler.ts';
import { SERVICE_NUMBERS } from './build.ts';
import type { ServiceName } from './build.ts';
import { NT, NT_DATA, PCR, USER, PAGE } from './layout.ts';
import { ntoskrnlText, SELF_PLACEHOLDER } from './kernel/ntoskrnl.ts';
import type { KernelSelfAddresses } from './kernel/ntoskrnl.ts';
import { kvascodeText } from './kernel/kvascode.ts';
import { ntdllStubText, ntdllCodeText, STUB_SPACING } from './user/ntdll.ts';
import { programText } from './user/program.ts';
import type { ImagePiece, KernelImage } from './image.ts';

function toMap(labels: unknown): Map<string, bigint> {
  if (labels instanceof Map) return new Map(labels as Map<string, bigint>);
  return new Map(Object.entries(labels as Record<string, bigint>));
}

function asm(source: string, origin: bigint, symbols: Map<string, bigint>, what: string): { bytes: Uint8Array; labels: Map<string, bigint> } {
  try {
    const r = assemble(source, { origin, symbols: (name) => symbols.get(name) });
    return { bytes: r.bytes, labels: toMap(r.labels) };
  } catch (e) {
    const err = e as { line?: number; column?: number; message?: string };
    const line = err.line !== undefined ? source.split('\n')[err.line - 1] : undefined;
    throw new Error(`boot: assembling ${what} failed${err.line !== undefined ? ` at line ${err.line}` : ''}: ${err.message ?? String(e)}${line !== undefined ? `\n  > ${line.trim()}` : ''}`);
  }
}

function sameLabels(a: Map<string, bigint>, b: Map<string, bigint>): boolean {
  if (a.size !== b.size) return false;
  for (const [k, v] of a) if (b.get(k) !== v) return false;
  return true;
}

/** ntdll, the program, then nt's .text and KVASCODE (which refer to each other). */
export function assembleKernelImage(): KernelImage {
  const pieces: ImagePiece[] = [];
  const ntdll = new Map<string, bigint>();
  for (const name of Object.keys(SERVICE_NUMBERS) as ServiceName[]) {
    const at = USER.ntdllStubs + BigInt(SERVICE_NUMBERS[name] * STUB_SPACING);
    const r = asm(ntdllStubText(name), at, new Map(), `ntdll!${name}`);
    pieces.push({ at, bytes: r.bytes });
    for (const [k, v] of r.labels) ntdll.set(k, v);
    ntdll.set(name.replace(/^Nt/, 'Zw'), at);
  }
  const ntdllCode = asm(ntdllCodeText(ntdll.get('NtTerminateProcess')!), USER.ntdllCode, new Map(), 'ntdll code');
  pieces.push({ at: USER.ntdllCode, bytes: ntdllCode.bytes });
  for (const [k, v] of ntdllCode.labels) ntdll.set(k, v);

  const app = asm(programText({
    NtQuerySystemTime: ntdll.get('NtQuerySystemTime')!,
    NtYieldExecution: ntdll.get('NtYieldExecution')!,
    NtClose: ntdll.get('NtClose')!,
    NtQueryInformationProcess: ntdll.get('NtQueryInformationProcess')!,
  }), USER.imageText, new Map(), 'the user program');
  pieces.push({ at: USER.imageText, bytes: app.bytes });

  const data = NT_DATA;
  const kvaData = { transitionStackTop: PCR.transitionStackTop, KiKvaShadowKernelCr3: data.KiKvaShadowKernelCr3,
    KiDoubleFaultReloadsGs: data.KiDoubleFaultReloadsGs, KiDoubleFaultPcr: data.KiDoubleFaultPcr };
  let kva = new Map<string, bigint>();
  let self: KernelSelfAddresses = SELF_PLACEHOLDER;
  // nt's data globals are symbols of .text too: `lea r10,[KeServiceDescriptorTable]` is
  // RIP-relative, as in Windows' own code.
  const dataSymbols = Object.entries(NT_DATA).filter(([, a]) => a >= NT.base && a < NT.base + NT.size);
  let text = asm(ntoskrnlText(data, self), NT.text, new Map([...dataSymbols, ['KiKernelSysretExit', NT.kvascode], ['KiKernelIretExit', NT.kvascode]]), 'nt .text');
  let kvaCode = asm(kvascodeText(kvaData), NT.kvascode, text.labels, 'nt KVASCODE');
  // Branch forms depend on distances: iterate until both sections' labels stop moving.
  for (let pass = 0; pass < 6; pass++) {
    kva = kvaCode.labels;
    self = { KiServiceRoutinesStart: text.labels.get('KiServiceRoutinesStart')!, KiServiceRoutinesEnd: text.labels.get('KiServiceRoutinesEnd')! };
    const t2 = asm(ntoskrnlText(data, self), NT.text, new Map([...dataSymbols, ...kva]), 'nt .text');
    const k2 = asm(kvascodeText(kvaData), NT.kvascode, t2.labels, 'nt KVASCODE');
    const same = sameLabels(t2.labels, text.labels) && sameLabels(k2.labels, kvaCode.labels) &&
      t2.labels.get('KiServiceRoutinesStart') === self.KiServiceRoutinesStart;
    text = t2; kvaCode = k2;
    if (same) break;
  }
  if (BigInt(text.bytes.length) > NT.textSize) throw new Error('boot: nt .text outgrew its section');
  if (BigInt(kvaCode.bytes.length) > PAGE) throw new Error('boot: KVASCODE outgrew its page');
  pieces.push({ at: NT.text, bytes: text.bytes });
  pieces.push({ at: NT.kvascode, bytes: kvaCode.bytes });
  const nt = new Map<string, bigint>([...text.labels, ...kvaCode.labels]);
  return { pieces, labels: { nt, ntdll, app: app.labels } };
}
