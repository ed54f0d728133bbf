// kd's !pte and !vtop on the modeled kernel: the layouts of public transcripts, the values of the
// model's own page tables (read back from physical memory here, never typed in), and both views
// with KVA shadow on.
import { describe, expect, it } from 'vitest';
import { KdSession } from '../../emulator/src/debugger/session.ts';
import '../../emulator/src/debugger/commands/index.ts';
import { layout } from '../../emulator/src/windows/index.ts';

const SRC = {
  pte: 'volatility3 pull request #475 (github.com/volatilityfoundation/volatility3/pull/475), Windows 10 1909: `1: kd> !pte 246af810000` / `VA 00000246af810000` right-aligned / `PXE at FFFFE3F1F8FC7020    PPE at ...` / `contains 8A00000059B75867  contains ...` / `pfn 59b75     ---DA--UW-V  ...  not valid`',
  pteHeader: 'tandasat/GuardMon issue #2 (github.com/tandasat/GuardMon/issues/2): `!pte` of address 0 with the pre-1607 self-map: `PXE at FFFFF6FB7DBED000    PPE at FFFFF6FB7DA00000    PDE at FFFFF6FB40000000    PTE at FFFFF68000000000`',
  vtop: 'libvmi pull request #1071 (github.com/libvmi/libvmi/pull/1071): `0: kd> !vtop 16e800000 0x00007ff8d1f4b000` / `Amd64VtoP: Virt 00007ff8d1f4b000, pagedir 000000016e800000` / `Amd64VtoP: PML4E 000000016e8007f8` ... `Amd64VtoP: Mapped phys ...` / `Virtual address 7ff8d1f4b000 translates to physical address ...`',
  vtopFail: 'LycorisGuard, "CPU漏洞补丁修复导致KeServiceDescriptorTable获取变更" (2019; github.com/CrackerCat/LycorisGuard.github.io, _posts/2019-1-11-...markdown): `!vtop 0x31aa0000 fffff803e70f8f80` under the user page tables ends `Amd64VtoP: zero PTE` / `Virtual address fffff803e70f8f80 translation fails, error 0xD0000147.`',
};

const q = (s: KdSession, pa: bigint) => {
  const b = s.machine.readPhysical!(pa, 8);
  let v = 0n;
  for (let i = 7; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
  return v;
};
const H = (v: bigint) => v.toString(16).padStart(16, '0');

describe('!pte', () => {
  const s = new KdSession({ budget: 200_000 });
  it(`prints the self-map addresses of address 0 (${SRC.pteHeader.slice(0, 40)}…)`, () => {
    const out = s.exec('!pte 0').output.split('\n');
    expect(out[0]).toBe(`${' '.repeat(43)}VA 0000000000000000`);
    expect(out[1]).toBe('PXE at FFFFF6FB7DBED000    PPE at FFFFF6FB7DA00000    PDE at FFFFF6FB40000000    PTE at FFFFF68000000000');
  });
  it(`four columns of 27 characters, the entry values and flags as kd prints them (${SRC.pte.slice(0, 40)}…)`, () => {
    const text = s.exec('!pte nt!KiSystemCall64').output.split('\n');
    const cr3 = s.machine.getCr(3) & ~0xfffn;
    const va = s.kernel.symbols.resolve('nt!KiSystemCall64')!;
    // Walk the tables here from physical memory, independently of kd's walker.
    const entries: bigint[] = [];
    let table = cr3;
    for (const shift of [39n, 30n, 21n, 12n]) {
      const e = q(s, table + ((va >> shift) & 0x1ffn) * 8n);
      entries.push(e);
      table = e & 0x000ffffffffff000n;
    }
    expect(text[2]).toBe(entries.map((e, i) => (i < 3 ? `contains ${H(e).toUpperCase()}`.padEnd(27) : `contains ${H(e).toUpperCase()}`)).join(''));
    const cells = text[3].match(/.{1,27}/g)!.map((c) => c.trimEnd());
    cells.forEach((c, i) => expect(c.startsWith(`pfn ${((entries[i] >> 12n) & 0xffffffffffn).toString(16)}`)).toBe(true));
    // The leaf of nt's .text: present, supervisor, read-only, executable (model's boot flags).
    expect(cells[3].endsWith('-------KREV')).toBe(true);
    // The PXE at the self-map address reads as the value shown (kd reads it through the self-map).
    const pxeAt = BigInt(`0x${text[1].slice(7, 23)}`);
    expect(s.exec(`dq ${pxeAt.toString(16)} L1`).output).toContain(H(entries[0]).replace(/^(.{8})/, '$1`'));
  });
  it('an address whose PDPTE is empty: "not valid" under it, nothing below (the transcript\'s last column)', () => {
    const out = s.exec('!pte 0').output.split('\n');
    expect(out[2]).toMatch(/^contains [0-9A-F]{16}  contains 0000000000000000$/);
    expect(out[3]).toMatch(/^pfn [0-9a-f]+ +-------UWEV  not valid$/);
  });
  it('a self-map address is taken as the address of a PTE (Microsoft\'s !pte page, Remarks)', () => {
    const a = s.exec('!pte FFFFF68000000000').output.split('\n')[0];
    expect(a.trim()).toBe('VA 0000000000000000');
  });
  it('without KVA shadow there is one view only', () => {
    expect(s.exec('!pte nt!KiSystemCall64').output).not.toContain('KVA shadow');
  });
  it('a missing argument is a syntax error', () => {
    expect(s.exec('!pte').output).toContain('Syntax error');
  });
});

describe('!pte and !vtop with KVA shadow: both directory bases', () => {
  const s = new KdSession({ budget: 200_000, kvaShadow: true });
  const userDtb = BigInt(`0x${s.exec('? poi(@$proc+278)').output.match(/= ([0-9a-f`]+)/)![1].replace('`', '')}`);
  const kernelDtb = BigInt(`0x${s.exec('? poi(@$proc+28)').output.match(/= ([0-9a-f`]+)/)![1].replace('`', '')}`);
  it('the two bases differ', () => {
    expect(userDtb).not.toBe(0n);
    expect(userDtb).not.toBe(kernelDtb);
  });
  it('nt!KiSystemCall64 (.text) is mapped by the kernel CR3 only; the user view ends "not valid" at its PTE', () => {
    const out = s.exec('!pte nt!KiSystemCall64').output.split('\n');
    const user = out.slice(out.findIndex((l) => l.startsWith('KVA shadow')));
    expect(out[3]).toMatch(/-------KREV$/);
    expect(user[1]).toContain('physical');
    expect(user[3]).toMatch(/^PXE at #[0-9A-F]{16}   PPE at #/);
    expect(user[5]).toMatch(/  not valid$/);
    expect(user[4]).toMatch(/contains 0000000000000000$/);
  });
  it('nt!KiSystemCall64Shadow (KVASCODE) maps to the same page frame under both', () => {
    const out = s.exec('!pte nt!KiSystemCall64Shadow').output.split('\n');
    const pfns = out.filter((l) => l.startsWith('pfn ')).map((l) => l.slice(81).trim());
    expect(pfns).toHaveLength(2);
    expect(pfns[0]).toBe(pfns[1]);
    expect(pfns[0]).toMatch(/^pfn [0-9a-f]+ +-------KREV$/);
  });
  it(`!vtop DirBase VirtualAddress (${SRC.vtop.slice(0, 40)}…)`, () => {
    const va = s.kernel.symbols.resolve('nt!KiSystemCall64Shadow')!;
    const out = s.exec(`!vtop ${userDtb.toString(16)} nt!KiSystemCall64Shadow`).output.split('\n');
    expect(out[0]).toBe(`Amd64VtoP: Virt ${H(va)}, pagedir ${H(userDtb)}`);
    expect(out[1]).toBe(`Amd64VtoP: PML4E ${H(userDtb + ((va >> 39n) & 0x1ffn) * 8n)}`);
    expect(out.slice(2, 5).map((l) => l.split(' ')[1])).toEqual(['PDPE', 'PDE', 'PTE']);
    const pa = s.machine.readPhysical!(0n, 0) && BigInt(`0x${out[5].split(' ').pop()}`);
    expect(out[5]).toMatch(/^Amd64VtoP: Mapped phys [0-9a-f]{16}$/);
    expect(out[6]).toBe(`Virtual address ${va.toString(16)} translates to physical address ${pa.toString(16)}.`);
    // The same page as the kernel's own walk (kd's memory view uses the kernel CR3).
    const k = s.exec(`!vtop ${kernelDtb.toString(16)} nt!KiSystemCall64Shadow`).output.split('\n');
    expect(k[5]).toBe(out[5]);
  });
  it(`!vtop under the user base of a kernel-only address fails (${SRC.vtopFail.slice(0, 40)}…)`, () => {
    const va = s.kernel.symbols.resolve('nt!KiSystemCall64')!;
    const out = s.exec(`!vtop ${userDtb.toString(16)} nt!KiSystemCall64`).output.split('\n');
    expect(out.slice(-2)).toEqual(['Amd64VtoP: zero PTE', `Virtual address ${va.toString(16)} translation fails, error 0xD0000147.`]);
  });
  it('!vtop 0 walks the current process\'s kernel base, then (this kd\'s addition) its user base', () => {
    const out = s.exec('!vtop 0 @$pcr').output.split('\n');
    expect(out[0]).toContain(`pagedir ${H(kernelDtb)}`);
    expect(out).toContain(`Amd64VtoP: Virt ${H(layout.PCR.kpcr)}, pagedir ${H(userDtb)}`);
    expect(out.at(-1)).toBe(`Virtual address ${layout.PCR.kpcr.toString(16)} translation fails, error 0xD0000147.`);
  });
  it('!vtop PFN takes a page frame number (Microsoft\'s !vtop page: `!vtop 98fd 12f980`)', () => {
    const out = s.exec(`!vtop ${(userDtb >> 12n).toString(16)} 7ffe0000`).output.split('\n');
    expect(out[0]).toBe(`Amd64VtoP: Virt 000000007ffe0000, pagedir ${H(userDtb)}`);
    expect(out.at(-1)).toMatch(/^Virtual address 7ffe0000 translates to physical address [0-9a-f]+\.$/);
  });
});
