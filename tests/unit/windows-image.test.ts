// The committed pre-assembled image (emulator/src/windows/image.generated.ts) must be exactly what
// assembling the current kernel and user source gives, so that booting from it can never drift.
import { describe, expect, it } from 'vitest';
import { assembleKernelImage } from '../../emulator/src/windows/assemble-image.ts';
import { decodeImage, encodeImage } from '../../emulator/src/windows/image.ts';
import { ENCODED_IMAGE } from '../../emulator/src/windows/image.generated.ts';
import { imageModuleText, IMAGE_MODULE } from '../../emulator/scripts/build-kernel-image.ts';
import { readFileSync } from 'node:fs';
import { boot } from '../../emulator/src/windows/boot.ts';

const STALE = 'emulator/src/windows/image.generated.ts is out of date with kernel/*.ts and user/*.ts: run `npm run build:image` and commit the result';

describe('pre-assembled kernel image', () => {
  const fromSource = assembleKernelImage();

  it('equals assembling the current source, byte for byte and label for label', () => {
    const encoded = encodeImage(fromSource);
    if (JSON.stringify(encoded) !== JSON.stringify(ENCODED_IMAGE)) expect.fail(STALE);
    if (readFileSync(IMAGE_MODULE, 'utf8') !== imageModuleText(encoded)) expect.fail(STALE);
  });

  it('decodes to the assembler output', () => {
    const decoded = decodeImage(encodeImage(fromSource));
    expect(decoded.pieces.map((p) => [p.at, [...p.bytes]])).toEqual(fromSource.pieces.map((p) => [p.at, [...p.bytes]]));
    expect(decoded.labels).toEqual(fromSource.labels);
  });

  it('a boot from source and a boot from the committed image leave the same machine', () => {
    for (const options of [{}, { smap: true, kvaShadow: true }]) {
      const a = boot(options, fromSource).machine.snapshot();
      const b = boot(options).machine.snapshot();
      expect(b).toEqual(a);
    }
  });
});
