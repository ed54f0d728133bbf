// WinDbg's disassembly format. Expected lines are WinDbg's published layout for
// `u nt!KiSystemCall64` (address, bytes padded to 16 columns, mnemonic padded to 8, operands;
// long instructions push the operands to column 43) and its number rules (2Bh, 0FFFh, bare 0..9).
import { describe, expect, it } from 'vitest';
import { decodeBytes } from '../../emulator/src/cpu/decoder.ts';
import { formatAddress, formatDisassemblyLine, formatNumber, formatText } from '../../emulator/src/cpu/disassembler.ts';
import type { Instruction } from '../../emulator/src/cpu/instruction.ts';

const bytes = (hex: string) => Uint8Array.from(hex.match(/../g)!.map((x) => parseInt(x, 16)));
const line = (hex: string, address: bigint) => formatDisassemblyLine(decodeBytes(bytes(hex), address), address, bytes(hex));
const text = (hex: string, address = 0x1000n, symbolize?: (a: bigint) => string | null) =>
  formatText(decodeBytes(bytes(hex), address) as Instruction, { symbolize });

describe('WinDbg disassembly format', () => {
  it('prints the first four lines of u nt!KiSystemCall64 exactly', () => {
    expect(line('0f01f8', 0xfffff80312345680n)).toBe('fffff803`12345680 0f01f8          swapgs');
    expect(line('654889242510000000', 0xfffff80312345683n)).toBe('fffff803`12345683 654889242510000000 mov   qword ptr gs:[10h],rsp');
    expect(line('65488b2425a8010000', 0xfffff8031234568cn)).toBe('fffff803`1234568c 65488b2425a8010000 mov   rsp,qword ptr gs:[1A8h]');
    expect(line('6a2b', 0xfffff80312345695n)).toBe('fffff803`12345695 6a2b            push    2Bh');
  });

  it('lays out 8-byte instructions with the overflow rule', () => {
    expect(line('65ff342510000000', 0xfffff80312345697n)).toBe('fffff803`12345697 65ff342510000000 push    qword ptr gs:[10h]');
    expect(line('4153', 0xfffff8031234569fn)).toBe('fffff803`1234569f 4153            push    r11');
  });

  it('writes numbers and addresses as WinDbg does', () => {
    expect(formatNumber(0x2bn)).toBe('2Bh');
    expect(formatNumber(0xfffn)).toBe('0FFFh');
    expect(formatNumber(8n)).toBe('8');
    expect(formatNumber(0n)).toBe('0');
    expect(formatNumber(0x10n)).toBe('10h');
    expect(formatAddress(0xfffff80312345680n)).toBe('fffff803`12345680');
    expect(formatAddress(8n)).toBe('00000000`00000008');
  });

  it('formats operands: sizes, signed displacements, scaled index, no space after commas', () => {
    expect(text('4881ec58010000')).toBe('sub     rsp,158h');
    expect(text('488dac2480000000')).toBe('lea     rbp,[rsp+80h]');
    expect(text('488b4580')).toBe('mov     rax,qword ptr [rbp-80h]');
    expect(text('8b048a')).toBe('mov     eax,dword ptr [rdx+rcx*4]');
    expect(text('48895c2408')).toBe('mov     qword ptr [rsp+8],rbx');
    expect(text('cc')).toBe('int     3');
    expect(text('c1ef07')).toBe('shr     edi,7');
    expect(text('4883e4f0')).toBe('and     rsp,0FFFFFFFFFFFFFFF0h');
    expect(text('f348ab')).toBe('rep stos qword ptr [rdi]');
    expect(text('0f22d8')).toBe('mov     cr3,rax');
  });

  it('names branch and RIP-relative targets through the symbolize callback', () => {
    const sym = (a: bigint) => (a === 0xfffff8031234a000n ? 'nt!KiSomething' : null);
    // call rel32 at fffff803`12345680: target = next (…685) + 0x497b = …a000
    expect(text('e87b490000', 0xfffff80312345680n, sym)).toBe('call    nt!KiSomething (fffff803`1234a000)');
    expect(text('ebfe', 0xfffff80312345680n)).toBe('jmp     fffff803`12345680');
    expect(text('4c8d1579490000', 0xfffff80312345680n, sym)).toBe('lea     r10,[nt!KiSomething (fffff803`1234a000)]');
  });

  it('shows undecodable bytes as ???', () => {
    expect(formatDisassemblyLine(decodeBytes(bytes('d9')), 0x1000n, bytes('d9'))).toBe('00000000`00001000 d9              ???');
    expect(formatDisassemblyLine(null, 0x1000n, null)).toBe('00000000`00001000 ??              ???');
  });
});
