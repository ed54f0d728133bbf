// Common instructions that raised #UD until the differential fuzzer listed them (SDM citations in
// opcodes.ts), and the CPUID bits that enumerate them: each must agree with the table.

import { describe, it, expect } from 'vitest';
import { cpuid, OPCODES } from '../../emulator/src/cpu/index.ts';
import { FEATURES, hasFeature } from '../../emulator/src/cpu/cpuid.ts';
import { world, runToStub, frame, q, UDATA, USTACK_TOP } from './cpu-exec-harness.ts';

const CF = 1n, PF = 4n, AF = 0x10n, ZF = 0x40n, SF = 0x80n, OF = 0x800n;

/** Runs user code to its end (a trailing `int3` lands in vector 3's stub). */
function user(src: string, setup?: (m: ReturnType<typeof world>['m']) => void) {
  const { m } = world({ user: src + '\nint3' });
  setup?.(m);
  const { vector } = runToStub(m, 10_000);
  return { m, vector };
}

describe('flags: SAHF, LAHF, CMC', () => {
  it('sahf loads SF ZF AF PF CF from AH; lahf stores them with bit 1 set', () => {
    const { m, vector } = user('mov ah, 0d5h\nsahf\nmov rbx, rax\nlahf\ncmc', (m) => m.setReg('rax', 0n));
    expect(vector).toBe(3);
    expect(frame(m, false).rflags & 0xd5n).toBe((SF | ZF | AF | PF | CF) ^ CF); // cmc cleared CF
    expect((m.getReg('rax') >> 8n) & 0xffn).toBe(0xd7n);
  });
});

describe('XLAT, ENTER, ENDBR64, PREFETCH, CLFLUSH', () => {
  it('xlat: AL <- [rbx + al]', () => {
    const { m } = user('xlat byte ptr [rbx]', (m) => { m.setReg('rbx', UDATA); m.setReg('rax', 0x1105n); m.writeVirtual(UDATA + 5n, [0x99]); });
    expect(m.getReg('rax')).toBe(0x1199n);
  });
  it('enter 20h, 0: push rbp, rbp <- rsp, rsp -= 20h', () => {
    const top = USTACK_TOP - 0x100n;
    const { m } = user('enter 20h, 0', (m) => m.setReg('rbp', 0x1234n));
    expect(q(m, top - 8n)).toBe(0x1234n);
    expect(m.getReg('rbp')).toBe(top - 8n);
    expect(frame(m, false).rsp).toBe(top - 8n - 0x20n);
  });
  it('enter 10h, 3 copies two enclosing frame pointers and pushes the new one', () => {
    const top = USTACK_TOP - 0x100n;
    const { m } = user('enter 10h, 3', (m) => {
      m.setReg('rbp', UDATA + 0x100n);
      m.writeVirtual(UDATA + 0xf0n, [...new Uint8Array(new BigUint64Array([0xbbn, 0xaan]).buffer)]); // [rbp-16], [rbp-8]
    });
    expect([q(m, top - 8n), q(m, top - 16n), q(m, top - 24n), q(m, top - 32n)]).toEqual([UDATA + 0x100n, 0xaan, 0xbbn, top - 8n]);
    expect(m.getReg('rbp')).toBe(top - 8n);
    expect(frame(m, false).rsp).toBe(top - 32n - 0x10n);
  });
  it('enter on an unmapped stack faults with nothing changed', () => {
    const { m, vector } = user('enter 8, 0', (m) => { m.setReg('rsp', 0x7000000n); m.setReg('rbp', 5n); });
    expect(vector).toBe(14);
    expect(frame(m, true).rsp).toBe(0x7000000n);
    expect(m.getReg('rbp')).toBe(5n);
  });
  it('endbr64 and the prefetches are NOPs, even on an unmapped address', () => {
    const { vector } = user('endbr64\nprefetchnta byte ptr [rax]\nprefetcht0 byte ptr [rax]\nprefetchw byte ptr [rax]', (m) => m.setReg('rax', 0x7000000n));
    expect(vector).toBe(3);
  });
  it('clflush is checked like a byte load', () => {
    const ok = user('clflush byte ptr [rbx]\nclflushopt byte ptr [rbx]', (m) => m.setReg('rbx', UDATA));
    expect(ok.vector).toBe(3);
    const bad = user('clflush byte ptr [rbx]', (m) => m.setReg('rbx', 0x7000000n));
    expect(bad.vector).toBe(14);
    expect(frame(bad.m, true).error).toBe(4n); // a user read of a not-present page
  });
});

describe('CMPXCHG8B / CMPXCHG16B', () => {
  it('cmpxchg8b: equal stores ECX:EBX and sets ZF; different loads EDX:EAX and clears ZF', () => {
    const { m } = user('lock cmpxchg8b qword ptr [rsi]\nsetz r8b\ncmpxchg8b qword ptr [rsi]\nsetz r9b', (m) => {
      m.setReg('rsi', UDATA); m.writeVirtual(UDATA, [...new Uint8Array(new BigUint64Array([0x1111111122222222n]).buffer)]);
      m.setReg('rdx', 0xffffffff11111111n); m.setReg('rax', 0x22222222n); m.setReg('rcx', 0x33333333n); m.setReg('rbx', 0x44444444n);
    });
    expect(q(m, UDATA)).toBe(0x3333333344444444n);
    expect([m.getReg('r8') & 0xffn, m.getReg('r9') & 0xffn]).toEqual([1n, 0n]);
    expect([m.getReg('rdx'), m.getReg('rax')]).toEqual([0x33333333n, 0x44444444n]); // 32-bit writes zero-extend
  });
  it('cmpxchg16b needs a 16-byte aligned operand (#GP(0))', () => {
    const { m, vector } = user('cmpxchg16b oword ptr [rsi]', (m) => m.setReg('rsi', UDATA + 8n));
    expect(vector).toBe(13);
    expect(frame(m, true).error).toBe(0n);
  });
  it('cmpxchg16b compares RDX:RAX and stores RCX:RBX', () => {
    const { m } = user('cmpxchg16b oword ptr [rsi]', (m) => {
      m.setReg('rsi', UDATA); m.writeVirtual(UDATA, [...new Uint8Array(new BigUint64Array([5n, 6n]).buffer)]);
      m.setReg('rax', 5n); m.setReg('rdx', 6n); m.setReg('rbx', 7n); m.setReg('rcx', 8n);
    });
    expect([q(m, UDATA), q(m, UDATA + 8n)]).toEqual([7n, 8n]);
    expect(frame(m, false).rflags & ZF).toBe(ZF);
  });
});

describe('RDRAND, RDSEED, RDPID, XGETBV', () => {
  it('rdrand/rdseed: CF=1, other status flags clear, deterministic values', () => {
    const run = () => user('rdrand rax\nrdseed ecx\nrdrand dx', (m) => { m.setReg('rcx', -1n); m.setReg('rdx', -1n); });
    const a = run(), b = run();
    expect(frame(a.m, false).rflags & (CF | PF | AF | ZF | SF | OF)).toBe(CF);
    expect(a.m.getReg('rcx') >> 32n).toBe(0n);
    expect(a.m.getReg('rdx') >> 16n).toBe(0xffffffffffffn);
    expect([a.m.getReg('rax'), a.m.getReg('rcx'), a.m.getReg('rdx')]).toEqual([b.m.getReg('rax'), b.m.getReg('rcx'), b.m.getReg('rdx')]);
    expect(a.m.getReg('rax')).not.toBe(a.m.getReg('rcx'));
  });
  it('rdpid and xgetbv raise #UD: the modeled CPU does not enumerate RDPID or XSAVE', () => {
    expect(hasFeature('rdpid')).toBe(false);
    expect(hasFeature('xsave')).toBe(false);
    expect(user('rdpid rax').vector).toBe(6);
    expect(user('xgetbv').vector).toBe(6);
  });
});

describe('LAR, LSL, VERR, VERW on the GDT', () => {
  it('user code and data selectors are visible; the kernel\'s and the null selector are not', () => {
    const { m } = user('mov ecx, 33h\nlar eax, ecx\nsetz r8b\nlsl edx, ecx\nmov ecx, 10h\nlar ebx, ecx\nsetz r9b\nverr cx\nsetz r10b\nmov ecx, 2bh\nverw cx\nsetz r11b\nmov ecx, 33h\nverw cx\nsetz r12b\nverr cx\nsetz r13b\nxor ecx, ecx\nverr cx\nsetz r14b');
    expect(m.getReg('r8') & 0xffn).toBe(1n);
    expect(m.getReg('rax') & 0xffffn).toBe(0xfb00n); // P, DPL 3, code execute/read accessed
    expect(m.getReg('r9') & 0xffn).toBe(0n); // DPL 0 from CPL 3
    expect(m.getReg('r10') & 0xffn).toBe(0n);
    expect(m.getReg('r11') & 0xffn).toBe(1n); // user data: writable
    expect(m.getReg('r12') & 0xffn).toBe(0n); // code: never writable
    expect(m.getReg('r13') & 0xffn).toBe(1n); // code: readable
    expect(m.getReg('r14') & 0xffn).toBe(0n); // null selector
  });
});

describe('MOVBE, CRC32, ADCX, ADOX', () => {
  it('movbe loads and stores with the bytes reversed', () => {
    const { m } = user('movbe eax, dword ptr [rsi]\nmovbe qword ptr [rsi+8], rax\nmovbe word ptr [rsi+16], ax', (m) => {
      m.setReg('rsi', UDATA); m.writeVirtual(UDATA, [0x11, 0x22, 0x33, 0x44]);
    });
    expect(m.getReg('rax')).toBe(0x11223344n);
    expect(q(m, UDATA + 8n)).toBe(0x4433221100000000n);
    expect(q(m, UDATA + 16n) & 0xffffn).toBe(0x4433n);
  });
  it('crc32 computes CRC-32C: "123456789" gives E3069283h with the usual inversion', () => {
    const { m } = user('mov eax, 0ffffffffh\nmov ecx, 9\nnext:\ncrc32 eax, byte ptr [rsi]\ninc rsi\nloop next\nnot eax', (m) => {
      m.setReg('rsi', UDATA); m.writeVirtual(UDATA, [...new TextEncoder().encode('123456789')]);
    });
    expect(m.getReg('rax')).toBe(0xe3069283n);
  });
  it('crc32 over a qword equals crc32 over its bytes', () => {
    const a = user('mov eax, 12345678h\ncrc32 rax, qword ptr [rsi]', (m) => { m.setReg('rsi', UDATA); m.writeVirtual(UDATA, [1, 2, 3, 4, 5, 6, 7, 8]); });
    const b = user('mov eax, 12345678h\nmov ecx, 8\nnext:\ncrc32 eax, byte ptr [rsi]\ninc rsi\nloop next', (m) => { m.setReg('rsi', UDATA); m.writeVirtual(UDATA, [1, 2, 3, 4, 5, 6, 7, 8]); });
    expect(a.m.getReg('rax')).toBe(b.m.getReg('rax'));
  });
  it('adcx carries through CF only, adox through OF only', () => {
    const { m } = user('stc\nmov rax, -1\nmov rbx, 0\nadcx rbx, rax\nmov ecx, 1\nadox ecx, eax', (m) => void m);
    expect(m.getReg('rbx')).toBe(0n); // -1 + 0 + CF
    const f = frame(m, false).rflags;
    expect(f & CF).toBe(CF);
    expect(m.getReg('rcx')).toBe(0n); // 1 + ffffffffh + OF(0)
    expect(f & OF).toBe(OF);
  });
});

describe('CPUID and the table agree', () => {
  it('every feature bit this file exercises is enumerated where the SDM puts it', () => {
    const l1 = cpuid(1, 0), l7 = cpuid(7, 0), e1 = cpuid(0x80000001, 0);
    expect((l1[3] >>> 8) & 1).toBe(1); // CX8
    expect((l1[3] >>> 19) & 1).toBe(1); // CLFSH
    expect([13, 20, 22, 30].map((b) => (l1[2] >>> b) & 1)).toEqual([1, 1, 1, 1]); // CX16 SSE4.2 MOVBE RDRAND
    expect((l1[2] >>> 26) & 1).toBe(0); // no XSAVE
    expect([3, 8, 18, 19, 23].map((b) => (l7[1] >>> b) & 1)).toEqual([1, 1, 1, 1, 1]); // BMI1 BMI2 RDSEED ADX CLFLUSHOPT
    expect((l7[2] >>> 22) & 1).toBe(0); // no RDPID
    expect([0, 5, 8].map((b) => (e1[2] >>> b) & 1)).toEqual([1, 1, 1]); // LAHF/SAHF LZCNT PRFCHW
    for (const f of Object.keys(FEATURES) as (keyof typeof FEATURES)[]) expect(typeof hasFeature(f)).toBe('boolean');
    expect(OPCODES.some((r) => r.op === 'crc32')).toBe(true);
  });
});

describe('ENTER checks a write at the final RSP', () => {
  it('a frame whose bottom lands on an unmapped page faults there; RSP and RBP unchanged', () => {
    const top = USTACK_TOP - 0x100n;
    const { m, vector } = user('enter 8000h, 0', (m) => m.setReg('rbp', 7n));
    expect(vector).toBe(14);
    expect(m.getCr(2)).toBe(top - 8n - 0x8000n);
    expect(frame(m, true).rsp).toBe(top);
    expect(m.getReg('rbp')).toBe(7n);
  });
});

describe('BMI1 and BMI2 (VEX)', () => {
  const run = (src: string, regs: Record<string, bigint>) => user(src, (m) => { for (const [k, v] of Object.entries(regs)) m.setReg(k, v); });
  it('andn, bextr, blsi, blsmsk, blsr, bzhi', () => {
    const { m } = run('andn r8, rax, rbx\nbextr r9d, ebx, ecx\nblsi r10, rbx\nblsmsk r11, rbx\nblsr r12, rbx\nbzhi r13, rbx, rdx',
      { rax: 0xff00n, rbx: 0xf0f0_1230n, rcx: 0x0804n, rdx: 12n });
    expect(m.getReg('r8')).toBe(0xf0f0_1230n & ~0xff00n);
    expect(m.getReg('r9')).toBe(0x23n); // 8 bits from bit 4
    expect(m.getReg('r10')).toBe(0x10n);
    expect(m.getReg('r11')).toBe(0x1fn);
    expect(m.getReg('r12')).toBe(0xf0f0_1220n);
    expect(m.getReg('r13')).toBe(0x230n);
  });
  it('blsr of zero sets CF; bzhi past the width sets CF', () => {
    const a = run('blsr eax, ebx', { rbx: 0n });
    expect(frame(a.m, false).rflags & (CF | ZF)).toBe(CF | ZF);
    const b = run('bzhi eax, ebx, ecx', { rbx: 5n, rcx: 40n });
    expect(frame(b.m, false).rflags & CF).toBe(CF);
    expect(b.m.getReg('rax')).toBe(5n);
  });
  it('pdep, pext, mulx, rorx, sarx, shlx, shrx', () => {
    const { m } = run('pdep r8, rax, rbx\npext r9, rax, rbx\nmulx r11, r10, rcx\nrorx r12d, eax, 4\nsarx r13, rsi, rdi\nshlx r14d, eax, edi\nshrx r15, rsi, rdi',
      { rax: 0b1011n, rbx: 0xf0f0n, rcx: 0x1_0000_0000n, rdx: 0x3_0000_0001n, rsi: 0x8000000000000000n, rdi: 65n });
    expect(m.getReg('r8')).toBe(0xb0n); // 1011 deposited at bits 4..7, the rest at 12..15 zero
    expect(m.getReg('r9')).toBe(0n); // bits 4..7 and 12..15 of 1011b are zero
    expect(m.getReg('r10')).toBe(0x1_0000_0000n); // low half of 3_0000_0001 * 1_0000_0000
    expect(m.getReg('r11')).toBe(3n);
    expect(m.getReg('r12')).toBe(0xb0000000n);
    expect(m.getReg('r13')).toBe(0xc000000000000000n); // count 65 & 63 = 1
    expect(m.getReg('r14')).toBe(0x16n);
    expect(m.getReg('r15')).toBe(0x4000000000000000n);
  });
  it('a VEX encoding with L=1 or a prefix before it raises #UD', () => {
    const a = user('db 0c4h, 0e2h, 064h, 0f2h, 0c1h'); // andn with VEX.L = 1
    expect(a.vector).toBe(6);
    const b = user('db 066h, 0c4h, 0e2h, 060h, 0f2h, 0c1h'); // 66 before VEX
    expect(b.vector).toBe(6);
  });
});
