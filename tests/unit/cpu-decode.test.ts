// Decoder checks on hand-picked encodings whose expected fields come from the SDM's encoding
// rules (Vol. 2A chapter 2), not from our own output. The broad comparison against iced-x86 is
// tests/oracle/decoder-iced.test.ts.
import { describe, expect, it } from 'vitest';
import { decodeBytes } from '../../emulator/src/cpu/decoder.ts';
import type { DecodeResult, Instruction } from '../../emulator/src/cpu/instruction.ts';

const bytes = (hex: string) => Uint8Array.from(hex.match(/../g)!.map((x) => parseInt(x, 16)));
const ok = (r: DecodeResult): Instruction => {
  if ('invalid' in r) throw new Error(`undecodable: ${r.reason}`);
  return r;
};
const BASE = 0xfffff80312345680n;

describe('decoder', () => {
  it('decodes the KiSystemCall64 prologue', () => {
    const swapgs = ok(decodeBytes(bytes('0f01f8'), BASE));
    expect([swapgs.op, swapgs.length]).toEqual(['swapgs', 3]);
    const st = ok(decodeBytes(bytes('654889242510000000'), BASE));
    expect(st.length).toBe(9);
    // SIB with base 101b and mod 00: no base, disp32 (Vol. 2A Table 2-3); GS override.
    expect(st.operands[0]).toMatchObject({ kind: 'mem', base: null, index: null, disp: 0x10n, seg: 5, segOverride: true, size: 8 });
    expect(st.operands[1]).toMatchObject({ kind: 'reg', reg: 4, size: 8 });
    const push = ok(decodeBytes(bytes('6a2b'), BASE));
    expect(push.operands[0]).toMatchObject({ kind: 'imm', value: 0x2bn, size: 8 });
    expect(push.opSize).toBe(8);
  });

  it('resolves relative targets from the end of the instruction', () => {
    const j = ok(decodeBytes(bytes('ebfe'), BASE));
    expect(j.operands[0]).toMatchObject({ kind: 'rel', target: BASE });
    const c = ok(decodeBytes(bytes('e800000000'), BASE));
    expect(c.operands[0]).toMatchObject({ kind: 'rel', target: BASE + 5n });
  });

  it('uses AH..BH without REX and SPL..DIL with it', () => {
    expect(ok(decodeBytes(bytes('88e0'))).operands[0]).toMatchObject({ reg: 0 });
    expect(ok(decodeBytes(bytes('8ae0'))).operands[0]).toMatchObject({ reg: 4, high8: true });
    expect(ok(decodeBytes(bytes('408ae0'))).operands[0]).toEqual({ kind: 'reg', reg: 4, size: 1 });
  });

  it('rejects LOCK where the SDM says #UD', () => {
    expect('invalid' in decodeBytes(bytes('f001c0'))).toBe(true); // register destination
    expect('invalid' in decodeBytes(bytes('f08b00'))).toBe(true); // mov is not lockable
    expect(ok(decodeBytes(bytes('f00100'))).prefixes.lock).toBe(true);
  });

  it('applies REX.W to sysret and iret', () => {
    expect(ok(decodeBytes(bytes('480f07'))).opSize).toBe(8);
    expect(ok(decodeBytes(bytes('0f07'))).opSize).toBe(4);
    expect(ok(decodeBytes(bytes('48cf'))).mnemonic).toBe('iretq');
  });

  it('reads imm64 and moffs64', () => {
    const m = ok(decodeBytes(bytes('48b88877665544332211')));
    expect(m.operands[1]).toMatchObject({ kind: 'imm', value: 0x1122334455667788n, size: 8 });
    const a = ok(decodeBytes(bytes('48a1a801000000000000')));
    expect(a.length).toBe(10);
    expect(a.operands[1]).toMatchObject({ kind: 'mem', base: null, disp: 0x1a8n });
  });

  it('reports undecodable bytes with a reason', () => {
    const r = decodeBytes(bytes('0f0b'));
    expect('invalid' in r).toBe(false); // ud2 decodes; executing it raises #UD
    const bad = decodeBytes(bytes('d9c0'));
    expect(bad).toMatchObject({ invalid: true });
  });
});

describe('decoder length limit', () => {
  it('marks instructions longer than 15 bytes (#GP(0), SDM Vol. 3A §6.15)', () => {
    // 14 operand-size prefixes + 05 imm16: 17 bytes.
    const r = decodeBytes(bytes('66'.repeat(14) + '053412'));
    expect(r).toMatchObject({ invalid: true, tooLong: true });
    // 11 prefixes + add ax,imm16 = 14 bytes: fine.
    expect('invalid' in decodeBytes(bytes('66'.repeat(11) + '053412'))).toBe(false);
  });
});

describe('opcode table', () => {
  it('every row decodes from its own encoding (no row is shadowed by another)', async () => {
    const { OPCODES } = await import('../../emulator/src/cpu/opcodes.ts');
    OPCODES.forEach((r, i) => {
      const b: number[] = [];
      // VEX3 with R X B = 0, vvvv = 1111b, L = 0, pp = the row's prefix (SDM Vol. 2A §2.3.5).
      if (r.vex) b.push(0xc4, 0xe0 | r.map, 0x78 | [0, 0x66, 0xf3, 0xf2].indexOf(r.prefix));
      else if (r.prefix) b.push(r.prefix);
      if (r.map >= 1 && !r.vex) b.push(0x0f);
      if (r.map >= 2 && !r.vex) b.push(r.map === 2 ? 0x38 : 0x3a);
      b.push(r.opcode + (r.plusR ? 1 : 0)); // +r: register 1 (90+0 is NOP, not xchg)
      if (r.modrm !== -1) {
        if (r.fixedModrm >= 0) b.push(r.fixedModrm);
        else {
          const reg = typeof r.modrm === 'number' ? r.modrm : 0;
          b.push((r.mod === 'mem' ? 0x00 : 0xc0) | (reg << 3));
        }
      }
      b.push(0, 0, 0, 0, 0, 0, 0, 0);
      const d = decodeBytes(Uint8Array.from(b));
      expect({ row: i, encoding: r.encoding, decoded: 'invalid' in d ? d.reason : d.row }).toEqual({ row: i, encoding: r.encoding, decoded: i });
    });
  });
});
