// Builds the modeled machine the way Windows' loader and kernel initialisation leave it, then hands
// it over in user mode at the program's first instruction: page tables, GDT, TSS, IDT, MSRs, control
// registers, the kernel image (the code assembled from kernel/*.ts and user/*.ts: pre-assembled in
// image.generated.ts unless a caller passes another image), the KPCR/KPRCB, the thread and process
// objects, KUSER_SHARED_DATA, ntdll, the TEB/PEB and the user program.
// Everything here is data placed in memory and registers; nothing is decided later in TypeScript.

// The machine wired to the decoder and the semantics, as cpu/index.ts wires it, without importing
// that index: it also re-exports the assembler, which a boot from the image does not need and which
// would otherwise ride along into every page that boots the kernel.
import { Machine, installExecutor } from '../cpu/machine.ts';
import { decode } from '../cpu/decoder.ts';
import { SEMANTICS } from '../cpu/semantics/index.ts';
import { BUILD, SERVICE_NUMBERS, stackArguments } from './build.ts';
import type { ServiceName } from './build.ts';
import { off } from './structs.ts';
import { NT, NT_DATA, PCR, THREAD, SHARED_DATA, USER, PAGE, PHYS_ALLOC_START, SELF_MAP } from './layout.ts';
import { SERVICE_ROUTINES } from './kernel/services.ts';
import type { KernelDataAddresses } from './kernel/ntoskrnl.ts';
import { decodeImage } from './image.ts';
import type { KernelImage } from './image.ts';
import { ENCODED_IMAGE } from './image.generated.ts';
import { resolveMachineOptions } from './options.ts';

export interface WindowsOptions {
  /** CR4.SMEP (bit 20): Windows enables it on every processor that has it (since Windows 8). */
  smep?: boolean;
  /** CR4.SMAP (bit 21), and nt!KeSmapEnabled with it. Off by default: see ARCHITECTURE.md. */
  smap?: boolean;
  /** KVA shadow: user and kernel page tables, LSTAR = KiSystemCall64Shadow, *Shadow IDT entries. */
  kvaShadow?: boolean;
  /** The #DF entry reloads IA32_GS_BASE with the KPCR before KiDoubleFaultAbort runs, as later
   *  builds' KiDoubleFaultAbortShadow does (whether 17134's does is not public). Off by default:
   *  the public KiDoubleFaultAbort disassemblies decide swapgs from the saved CS only. */
  dfReloadsGs?: boolean;
  /** The May 2018 update for CVE-2018-8897 (later than 17134.1): #DB on IST4 and the check of
   *  nt!KiDebugTrapOrFaultEntryCheck before KiDebugTrapOrFault. Off by default; without KVA
   *  shadow only. */
  movSsFix?: boolean;
  /** An AMD processor: SYSRET as the AMD APM specifies it, CPUID vendor "AuthenticAMD". */
  amdCpu?: boolean;
  /** KiSystemServiceExit without its check of the saved RIP (the exit before MS12-042). */
  sysretUnchecked?: boolean;
}

export interface ResolvedOptions { smep: boolean; smap: boolean; kvaShadow: boolean; dfReloadsGs: boolean; movSsFix: boolean; amdCpu: boolean; sysretUnchecked: boolean; }

export interface BootImage {
  machine: Machine;
  options: ResolvedOptions;
  /** Every label of every assembled piece, by module. */
  labels: { nt: Map<string, bigint>; ntdll: Map<string, bigint>; app: Map<string, bigint> };
  data: KernelDataAddresses & {
    KiServiceTable: bigint; KiKvaShadowKernelCr3: bigint; KiBugCheckData: bigint;
    KiDoubleFaultReloadsGs: bigint; KiDoubleFaultPcr: bigint; KiSysretUnchecked: bigint;
  };
  kernelCr3: bigint;
  userCr3: bigint;
}

installExecutor(decode, SEMANTICS);

// ---- architectural constants (with their sources) ----
// Page-table entry bits (SDM Vol. 3A §4.5, Table 4-19/4-20).
const PTE_P = 1n, PTE_RW = 2n, PTE_US = 4n, PTE_NX = 1n << 63n;
// CR0 = 80050031h: PG | AM | WP | NE | ET | PE, as kd shows on Windows 10 x64.
const CR0_WINDOWS = 0x80050031n;
// CR4: PAE(5) | PGE(7) | OSFXSR(9) | OSXMMEXCPT(10) | FSGSBASE(16), plus SMEP(20) / SMAP(21) by
// option (SDM Vol. 3A §2.5; Windows 10 value 1106A0h quoted in public emulator sources).
const CR4_BASE = (1n << 5n) | (1n << 7n) | (1n << 9n) | (1n << 10n) | (1n << 16n);
const CR4_SMEP = 1n << 20n, CR4_SMAP = 1n << 21n;
// EFER = D01h: SCE | LME | LMA | NXE (SDM Vol. 3A §2.2.1; Windows value from published kd output).
const EFER_WINDOWS = 0xd01n;
// STAR = 00230010`00000000: SYSCALL CS 10h / SS 18h; SYSRET base 23h -> CS 33h, SS 2Bh (SDM Vol. 3A
// §5.8.8; Windows value from published `rdmsr c0000081`).
const STAR_WINDOWS = 0x0023001000000000n;
// FMASK = 4700h: SYSCALL clears TF, IF, DF, NT (published `rdmsr c0000084`). AC is not in it.
const FMASK_WINDOWS = 0x4700n;
const MSR = { EFER: 0xc0000080, STAR: 0xc0000081, LSTAR: 0xc0000082, CSTAR: 0xc0000083, FMASK: 0xc0000084, FS_BASE: 0xc0000100, GS_BASE: 0xc0000101, KERNEL_GS_BASE: 0xc0000102 };

/** KGDT64_* selectors (WDK ntamd64 header; ReactOS ndk). */
export const SELECTORS = {
  KGDT64_R0_CODE: 0x10, KGDT64_R0_DATA: 0x18, KGDT64_R3_CMCODE: 0x23, KGDT64_R3_DATA: 0x2b,
  KGDT64_R3_CODE: 0x33, KGDT64_SYS_TSS: 0x40, KGDT64_R3_CMTEB: 0x53, KGDT64_R0_CMCODE: 0x60,
} as const;

/** IDT vectors the model fills: handler name, gate DPL, IST index (published `!idt` dumps and
 *  ReactOS' KiInterruptInitTable; #DB takes IST4 only with KVA shadow, as in those dumps, or with
 *  the May 2018 fix, as later builds' dumps without KVA shadow show). */
export function idtTable(kvaShadow: boolean, dfReloadsGs = false, movSsFix = false): Array<{ vector: number; handler: string; dpl: number; ist: number }> {
  const s = kvaShadow ? 'Shadow' : '';
  // With dfReloadsGs the #DF gate names the shadow entry, whose GS reload the option stands for.
  const df = kvaShadow || dfReloadsGs ? 'Shadow' : '';
  // With movSsFix (no KVA shadow) the #DB gate names the entry check that the fix put first.
  const db = kvaShadow ? 'KiDebugTrapOrFaultShadow' : movSsFix ? 'KiDebugTrapOrFaultEntryCheck' : 'KiDebugTrapOrFault';
  return [
    { vector: 0x00, handler: `KiDivideErrorFault${s}`, dpl: 0, ist: 0 },
    { vector: 0x01, handler: db, dpl: 0, ist: kvaShadow || movSsFix ? 4 : 0 },
    { vector: 0x03, handler: `KiBreakpointTrap${s}`, dpl: 3, ist: 0 },
    { vector: 0x06, handler: `KiInvalidOpcodeFault${s}`, dpl: 0, ist: 0 },
    { vector: 0x08, handler: `KiDoubleFaultAbort${df}`, dpl: 0, ist: 1 },
    { vector: 0x0d, handler: `KiGeneralProtectionFault${s}`, dpl: 0, ist: 0 },
    { vector: 0x0e, handler: `KiPageFault${s}`, dpl: 0, ist: 0 },
    { vector: 0x11, handler: `KiAlignmentFault${s}`, dpl: 0, ist: 0 },
    { vector: 0x2e, handler: `KiSystemService${s}`, dpl: 3, ist: 0 },
  ];
}

interface Flags { user: boolean; writable: boolean; exec: boolean; shadow: boolean }

/** Physical pages handed out in order, and two 4-level hierarchies (kernel CR3, user CR3). */
class Memory {
  private next = PHYS_ALLOC_START;
  readonly kernelRoot: bigint;
  readonly userRoot: bigint | null;
  private readonly pageOf = new Map<bigint, bigint>();
  private readonly m: Machine;
  constructor(m: Machine, kvaShadow: boolean) {
    this.m = m;
    this.kernelRoot = this.allocPage();
    this.userRoot = kvaShadow ? this.allocPage() : null;
  }
  allocPage(): bigint {
    const pa = this.next;
    this.next += PAGE;
    this.m.phys.write(pa, new Uint8Array(Number(PAGE)));
    return pa;
  }
  private entry(root: bigint, va: bigint, leaf: bigint, user: boolean): void {
    let table = root;
    for (const shift of [39n, 30n, 21n]) {
      const idx = (va >> shift) & 0x1ffn;
      const slot = table + idx * 8n;
      let e = this.rq(slot);
      if ((e & PTE_P) === 0n) {
        // Upper levels grant everything; the leaf decides (SDM Vol. 3A §4.6.1 combines levels).
        e = this.allocPage() | PTE_P | PTE_RW | (user ? PTE_US : 0n);
        this.wq(slot, e);
      }
      table = e & 0x000ffffffffff000n;
    }
    this.wq(table + ((va >> 12n) & 0x1ffn) * 8n, leaf);
  }
  /** Maps `pages` fresh pages at va (kernel pages marked `shadow` in the user hierarchy too; user
   *  pages reach it through shareUserHalf). Returns nothing:
   *  contents are written with poke(). */
  map(va: bigint, pages: number, f: Flags, pa?: bigint): void {
    for (let i = 0; i < pages; i++) {
      const v = va + BigInt(i) * PAGE;
      const p = pa !== undefined ? pa + BigInt(i) * PAGE : this.allocPage();
      const leaf = p | PTE_P | (f.writable ? PTE_RW : 0n) | (f.user ? PTE_US : 0n) | (f.exec ? 0n : PTE_NX);
      this.entry(this.kernelRoot, v, leaf, f.user);
      // User pages reach the user hierarchy through its shared PML4 entries (shareUserHalf);
      // the few kernel pages it maps get page tables of its own.
      if (this.userRoot !== null && f.shadow && !f.user) this.entry(this.userRoot, v, leaf, false);
      this.pageOf.set(v, p);
    }
  }
  physOf(va: bigint): bigint {
    const p = this.pageOf.get(va & ~(PAGE - 1n));
    if (p === undefined) throw new Error(`boot: ${va.toString(16)} is not mapped`);
    return p + (va & (PAGE - 1n));
  }
  poke(va: bigint, bytes: Uint8Array): void {
    for (let i = 0; i < bytes.length;) {
      const a = va + BigInt(i);
      const k = Math.min(bytes.length - i, Number(PAGE - (a & (PAGE - 1n))));
      this.m.phys.write(this.physOf(a), bytes.subarray(i, i + k));
      i += k;
    }
  }
  pokeQ(va: bigint, v: bigint): void { this.poke(va, le(v, 8)); }
  pokeD(va: bigint, v: bigint | number): void { this.poke(va, le(BigInt(v), 4)); }
  pokeW(va: bigint, v: number): void { this.poke(va, le(BigInt(v), 2)); }
  pokeB(va: bigint, v: number): void { this.poke(va, le(BigInt(v), 1)); }
  /** KVA shadow: the user hierarchy's lower half is the kernel hierarchy's, entry for entry (both
   *  PML4s point at the same PDPTs), as a public `!dq` of both PML4s of one process shows (the
   *  same first entry, 0a000000`3a487867, in each: LycorisGuard, 2019). Called once every page is
   *  mapped. */
  shareUserHalf(): void {
    if (this.userRoot === null) return;
    for (let i = 0n; i < 256n; i++) this.wq(this.userRoot + i * 8n, this.rq(this.kernelRoot + i * 8n));
  }
  /** The kernel hierarchy's self-map entry (see layout.ts SELF_MAP): supervisor, writable, NX. */
  selfMap(): void {
    this.wq(this.kernelRoot + SELF_MAP.index * 8n, this.kernelRoot | PTE_P | PTE_RW | PTE_NX);
  }
  private rq(pa: bigint): bigint { return fromLe(this.m.phys.read(pa, 8)); }
  private wq(pa: bigint, v: bigint): void { this.m.phys.write(pa, le(v, 8)); }
}

function le(v: bigint, n: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = BigInt.asUintN(n * 8, v);
  for (let i = 0; i < n; i++) { out[i] = Number(x & 0xffn); x >>= 8n; }
  return out;
}
function fromLe(b: Uint8Array): bigint {
  let v = 0n;
  for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
  return v;
}

let prebuilt: KernelImage | null = null;
/** The committed pre-assembled image (decoded once; boots copy what they keep). */
export function prebuiltImage(): KernelImage {
  prebuilt ??= decodeImage(ENCODED_IMAGE);
  return prebuilt;
}

// ---- descriptors ----
/** 8-byte code/data descriptor (SDM Vol. 3A §3.4.5, Figure 3-8). */
function segDesc(access: number, flags: number, base = 0n, limit = 0xfffff): bigint {
  return (BigInt(limit & 0xffff)) | ((base & 0xffffffn) << 16n) | (BigInt(access) << 40n) |
    (BigInt((limit >> 16) & 0xf) << 48n) | (BigInt(flags) << 52n) | (((base >> 24n) & 0xffn) << 56n);
}

/** FILETIME of 2018-04-30 00:00:00 UTC (Windows 10 1803's release day): the model's fixed clock. */
const SYSTEM_TIME = (BigInt(Date.UTC(2018, 3, 30)) / 1000n + 11644473600n) * 10000000n;

export function boot(opts: WindowsOptions = {}, image: KernelImage = prebuiltImage()): BootImage {
  const options: ResolvedOptions = resolveMachineOptions(opts);
  const m = new Machine({ vendor: options.amdCpu ? 'amd' : 'intel' });
  const mem = new Memory(m, options.kvaShadow);
  const K = { user: false, writable: true, exec: false, shadow: false };

  // ---- kernel image ----
  mem.map(NT.base, 1, { ...K, writable: false });                                   // headers
  mem.map(NT.text, Number(NT.textSize / PAGE), { ...K, writable: false, exec: true });
  mem.map(NT.kvascode, 1, { ...K, writable: false, exec: true, shadow: true });       // KVASCODE
  mem.map(NT.kvascode + PAGE, 1, { ...K, writable: false, shadow: true });            // its data
  mem.map(NT.data, 1, K);                                                             // .data
  mem.map(NT.data + PAGE, 1, { ...K, writable: false });                              // .rdata
  mem.poke(NT.base, new TextEncoder().encode('MZ'));

  const data = { ...NT_DATA };

  // ---- per-processor block, stacks, thread, process ----
  mem.map(PCR.kpcr, Number((PCR.shadowPage - PCR.kpcr) / PAGE), K);
  mem.map(PCR.shadowPage, 1, { ...K, shadow: true });
  mem.map(PCR.gdt, 1, { ...K, shadow: true });
  mem.map(PCR.idt, 1, { ...K, writable: false, shadow: true });
  mem.map(PCR.transitionStackTop - BigInt(PCR.transitionStackPages) * PAGE, PCR.transitionStackPages, { ...K, shadow: true });
  for (let i = 1; i < PCR.istTops.length; i++) {
    mem.map(PCR.istTops[i] - BigInt(PCR.istPages) * PAGE, PCR.istPages, { ...K, shadow: true });
  }
  mem.map(THREAD.stackBase - BigInt(THREAD.stackPages) * PAGE, THREAD.stackPages, K);
  mem.map(THREAD.ethread & ~(PAGE - 1n), 1, K);
  mem.map(THREAD.eprocess & ~(PAGE - 1n), 1, K);

  // ---- KUSER_SHARED_DATA: one page, read-only at 7FFE0000 for user mode, writable kernel alias ----
  const sharedPa = mem.allocPage();
  mem.map(SHARED_DATA.kernel, 1, K, sharedPa);
  mem.map(SHARED_DATA.user, 1, { user: true, writable: false, exec: false, shadow: true }, sharedPa);

  // ---- user process ----
  const U = { user: true, writable: true, exec: false, shadow: true };
  mem.map(USER.imageBase, 1, { ...U, writable: false });
  mem.map(USER.imageText, 2, { ...U, writable: false, exec: true });
  mem.map(USER.imageData, 1, U);
  mem.map(USER.ntdllBase, 1, { ...U, writable: false });
  mem.map(USER.ntdllStubs, Number((USER.ntdllSize - PAGE) / PAGE), { ...U, writable: false, exec: true });
  mem.map(USER.peb, 1, U);
  mem.map(USER.teb, 1, U);
  mem.map(USER.stackBase - BigInt(USER.stackPages) * PAGE, USER.stackPages, U);
  mem.poke(USER.imageBase, new TextEncoder().encode('MZ'));
  mem.poke(USER.ntdllBase, new TextEncoder().encode('MZ'));

  mem.shareUserHalf();
  mem.selfMap();
  const kernelCr3 = mem.kernelRoot;
  const userCr3 = mem.userRoot ?? mem.kernelRoot;

  // ---- code: ntdll's stubs (int 3 between them), ntdll code, the program, nt .text and KVASCODE ----
  mem.poke(USER.ntdllStubs, new Uint8Array(Number(USER.ntdllSize - 2n * PAGE)).fill(0xcc));
  for (const piece of image.pieces) mem.poke(piece.at, piece.bytes);
  const nt = new Map(image.labels.nt);
  const ntdll = new Map(image.labels.ntdll);
  const app = { labels: new Map(image.labels.app) };

  // ---- nt data ----
  mem.pokeB(data.KiKvaShadow, options.kvaShadow ? 1 : 0);
  mem.pokeB(data.KeSmapEnabled, options.smap ? 1 : 0);
  mem.pokeB(data.KdDebuggerEnabled, 1);
  mem.pokeQ(data.MmUserProbeAddress, 0x7fffffff0000n);
  mem.pokeQ(data.KeUserExceptionDispatcher, ntdll.get('KiUserExceptionDispatcher')!);
  mem.pokeQ(data.MmPteBase, SELF_MAP.pteBase);
  mem.pokeQ(data.KiKvaShadowKernelCr3, kernelCr3);
  mem.pokeB(data.KiDoubleFaultReloadsGs, options.dfReloadsGs ? 1 : 0);
  mem.pokeQ(data.KiDoubleFaultPcr, PCR.kpcr);
  mem.pokeB(data.KiSysretUnchecked, options.sysretUnchecked ? 1 : 0);
  // KiServiceTable: one 32-bit entry per service, (routine - table) << 4 | stack-argument count
  // (Windows 10 x64 format, decoded by the dispatcher's movsxd / sar 4 / add).
  const limit = Math.max(...Object.values(SERVICE_NUMBERS)) + 1;
  for (let n = 0; n < limit; n++) {
    const name = (Object.keys(SERVICE_NUMBERS) as ServiceName[]).find((k) => SERVICE_NUMBERS[k] === n);
    const routine = nt.get(name ? SERVICE_ROUTINES[name] : 'KiServiceNotModeled')!;
    const rel = ((routine - data.KiServiceTable) << 4n) | BigInt(name ? stackArguments(name) : 0);
    mem.pokeD(data.KiServiceTable + BigInt(n * 4), BigInt.asUintN(32, rel));
  }
  // KeServiceDescriptorTable: ServiceTableBase, ServiceCounterTableBase, NumberOfServices,
  // ParamTableBase; its second descriptor (+20h, win32k's place) stays zero: limit 0.
  mem.pokeQ(data.KeServiceDescriptorTable, data.KiServiceTable);
  mem.pokeQ(data.KeServiceDescriptorTable + 0x10n, BigInt(limit));
  // KeServiceDescriptorTableShadow: nt's descriptor again, then win32k's. The model loads no
  // win32k.sys, so that descriptor is present and empty (no W32pServiceTable, limit 0).
  mem.pokeQ(data.KeServiceDescriptorTableShadow, data.KiServiceTable);
  mem.pokeQ(data.KeServiceDescriptorTableShadow + 0x10n, BigInt(limit));

  // ---- GDT (SDM Vol. 3A §3.4.5; Windows' KGDT64 layout), TSS (§8.7), IDT (§6.14.1) ----
  const gdt: Array<[number, bigint]> = [
    [0x10, segDesc(0x9b, 0x2)],              // R0 code: P, DPL0, exec/read, L=1
    [0x18, segDesc(0x93, 0xc)],              // R0 data
    [0x20, segDesc(0xfb, 0xc)],              // R3 compatibility code: DPL3, D=1
    [0x28, segDesc(0xf3, 0xc)],              // R3 data
    [0x30, segDesc(0xfb, 0x2)],              // R3 code: L=1
    [0x50, segDesc(0xf3, 0x4, 0n, 0x3c00)],  // R3 32-bit TEB (FS for WoW64 code)
    [0x60, segDesc(0x9b, 0xc)],              // R0 compatibility code
  ];
  for (const [sel, d] of gdt) mem.pokeQ(PCR.gdt + BigInt(sel), d);
  const tssLimit = 0x67n;
  mem.pokeQ(PCR.gdt + 0x40n, tssLimit | ((PCR.tss & 0xffffffn) << 16n) | (0x89n << 40n) | (((PCR.tss >> 24n) & 0xffn) << 56n));
  mem.pokeQ(PCR.gdt + 0x48n, (PCR.tss >> 32n) & 0xffffffffn);
  const stateSaveArea = THREAD.stackBase - THREAD.stateSaveAreaSize;
  const rspBase = stateSaveArea - THREAD.initialStackGap;                           // KTHREAD.InitialStack
  mem.pokeQ(PCR.tss + 4n, options.kvaShadow ? PCR.transitionStackTop : rspBase);   // RSP0
  for (let i = 1; i < PCR.istTops.length; i++) mem.pokeQ(PCR.tss + 0x24n + BigInt(i - 1) * 8n, PCR.istTops[i]);
  mem.pokeW(PCR.tss + 0x66n, 0x68);                                                 // no I/O map
  const gates = idtTable(options.kvaShadow, options.dfReloadsGs, options.movSsFix);
  if (options.movSsFix && !options.kvaShadow) {
    // KiDebugTraps as later builds fill it: the handler of every gate user mode may invoke (DPL 3;
    // KiInitializeIdt), then the SYSCALL targets (KiInitializeBootStructures: LSTAR's, and CSTAR's,
    // which the model does not have).
    const traps = [...gates.filter((g) => g.dpl === 3).map((g) => nt.get(g.handler)!), nt.get('KiSystemCall64')!];
    traps.forEach((a, i) => mem.pokeQ(data.KiDebugTraps + BigInt(i * 8), a));
  }
  for (const g of gates) {
    const h = nt.get(g.handler);
    if (h === undefined) throw new Error(`boot: IDT handler ${g.handler} missing`);
    const lo = (h & 0xffffn) | (BigInt(SELECTORS.KGDT64_R0_CODE) << 16n) | (BigInt(g.ist) << 32n) |
      (BigInt(0x8e | (g.dpl << 5)) << 40n) | (((h >> 16n) & 0xffffn) << 48n);
    mem.pokeQ(PCR.idt + BigInt(g.vector * 16), lo);
    mem.pokeQ(PCR.idt + BigInt(g.vector * 16 + 8), (h >> 32n) & 0xffffffffn);
  }

  // ---- KPCR / KPRCB ----
  const prcb = PCR.kpcr + 0x180n;
  mem.pokeQ(PCR.kpcr + BigInt(off('_KPCR.GdtBase')), PCR.gdt);
  mem.pokeQ(PCR.kpcr + BigInt(off('_KPCR.TssBase')), PCR.tss);
  mem.pokeQ(PCR.kpcr + BigInt(off('_KPCR.Self')), PCR.kpcr);
  mem.pokeQ(PCR.kpcr + BigInt(off('_KPCR.CurrentPrcb')), prcb);
  mem.pokeQ(PCR.kpcr + BigInt(off('_KPCR.IdtBase')), PCR.idt);
  mem.pokeW(PCR.kpcr + BigInt(off('_KPCR.MajorVersion')), 1);
  mem.pokeW(PCR.kpcr + BigInt(off('_KPCR.MinorVersion')), 1);
  mem.pokeD(prcb + BigInt(off('_KPRCB.MxCsr')), 0x1f80);
  mem.pokeQ(prcb + BigInt(off('_KPRCB.CurrentThread')), THREAD.ethread);
  mem.pokeQ(prcb + BigInt(off('_KPRCB.RspBase')), rspBase);
  mem.pokeQ(prcb + BigInt(off('_KPRCB.KernelDirectoryTableBase')), kernelCr3);
  // Without KVA shadow the shadow fields stay 0, as a public `dt _KPCR` of a KVAS-disabled system
  // shows (RspBaseShadow 0, UserRspShadow 0; KPROCESS.UserDirectoryTableBase 0).
  mem.pokeQ(prcb + BigInt(off('_KPRCB.RspBaseShadow')), options.kvaShadow ? rspBase : 0n);
  mem.pokeD(prcb + BigInt(off('_KPRCB.ShadowFlags')), 0);

  // ---- thread and process ----
  const th = THREAD.ethread;
  mem.pokeB(th, 6);                                                    // Header.Type = ThreadObject
  mem.pokeQ(th + BigInt(off('_KTHREAD.InitialStack')), rspBase);
  mem.pokeQ(th + BigInt(off('_KTHREAD.StackLimit')), THREAD.stackBase - BigInt(THREAD.stackPages) * PAGE);
  mem.pokeQ(th + BigInt(off('_KTHREAD.StackBase')), THREAD.stackBase);
  mem.pokeQ(th + BigInt(off('_KTHREAD.StateSaveArea')), stateSaveArea);
  mem.pokeQ(th + BigInt(off('_KTHREAD.Teb')), USER.teb);
  mem.pokeQ(th + BigInt(off('_KTHREAD.Process')), THREAD.eprocess);
  mem.pokeB(th + BigInt(off('_KTHREAD.PreviousMode')), 1);           // UserMode
  const pr = THREAD.eprocess;
  mem.pokeB(pr, 3);                                                    // Header.Type = ProcessObject
  mem.pokeQ(pr + BigInt(off('_KPROCESS.DirectoryTableBase')), kernelCr3);
  mem.pokeQ(pr + BigInt(off('_KPROCESS.UserDirectoryTableBase')), options.kvaShadow ? userCr3 : 0n);
  mem.pokeQ(pr + BigInt(off('_EPROCESS.UniqueProcessId')), 0x1a4n);
  mem.pokeD(pr + BigInt(off('_EPROCESS.ExitStatus')), 0x103);          // STATUS_PENDING while alive
  // What NtQueryInformationProcess(ProcessBasicInformation) reads. Model values: the parent's
  // id is made up (there is no other process), the base priority is the normal class's 8, and the
  // affinity holds the one processor (_KAFFINITY_EX: Count 1, Size 20, Bitmap[0] = 1).
  mem.pokeQ(pr + BigInt(off('_EPROCESS.InheritedFromUniqueProcessId')), 0x1c8n);
  mem.pokeQ(pr + BigInt(off('_EPROCESS.Peb')), USER.peb);
  mem.pokeB(pr + BigInt(off('_KPROCESS.BasePriority')), 8);
  mem.pokeW(pr + BigInt(off('_KPROCESS.Affinity')), 1);
  mem.pokeW(pr + BigInt(off('_KPROCESS.Affinity')) + 2n, 20);
  mem.pokeQ(pr + BigInt(off('_KPROCESS.Affinity')) + 8n, 1n);

  // ---- KUSER_SHARED_DATA (ntddk.h layout) ----
  mem.pokeQ(SHARED_DATA.kernel + 0x14n, SYSTEM_TIME);                  // SystemTime.LowPart/High1Time
  mem.pokeD(SHARED_DATA.kernel + 0x1cn, SYSTEM_TIME >> 32n);           // SystemTime.High2Time
  mem.pokeD(SHARED_DATA.kernel + 0x260n, BUILD.buildNumber);           // NtBuildNumber
  mem.pokeD(SHARED_DATA.kernel + 0x26cn, 10);                          // NtMajorVersion
  mem.pokeD(SHARED_DATA.kernel + 0x270n, 0);                           // NtMinorVersion
  mem.pokeD(SHARED_DATA.kernel + 0x308n, 0);                           // SystemCall: use SYSCALL

  // ---- TEB (NT_TIB first) and PEB ----
  const userStackLimit = USER.stackBase - BigInt(USER.stackPages) * PAGE;
  mem.pokeQ(USER.teb + BigInt(off('_TEB.NtTib')) + 0x08n, USER.stackBase);       // StackBase
  mem.pokeQ(USER.teb + 0x10n, userStackLimit);                                  // StackLimit
  mem.pokeQ(USER.teb + 0x20n, 0x1e00n);      // FiberData/Version: 1E00h in `!teb` of ordinary threads
  mem.pokeQ(USER.teb + 0x30n, USER.teb);                                        // Self
  mem.pokeQ(USER.teb + 0x40n, 0x1a4n);                                          // ClientId.UniqueProcess
  mem.pokeQ(USER.teb + 0x48n, 0x1b0n);                                          // ClientId.UniqueThread
  mem.pokeQ(USER.teb + BigInt(off('_TEB.ProcessEnvironmentBlock')), USER.peb);
  mem.pokeQ(USER.peb + 0x10n, USER.imageBase);                                  // ImageBaseAddress
  mem.pokeD(USER.peb + 0x118n, 10);                                             // OSMajorVersion
  mem.pokeD(USER.peb + 0x11cn, 0);                                              // OSMinorVersion
  mem.pokeW(USER.peb + 0x120n, BUILD.buildNumber);                              // OSBuildNumber

  // ---- processor state: as KiInitializeBootStructures leaves it, then the first return to user ----
  m.setCr(0, CR0_WINDOWS);
  m.setCr(4, CR4_BASE | (options.smep ? CR4_SMEP : 0n) | (options.smap ? CR4_SMAP : 0n));
  m.writeMsr(MSR.EFER, EFER_WINDOWS);
  m.setCr(3, kernelCr3);
  m.setGdtr(PCR.gdt, 0x6f);
  m.setIdtr(PCR.idt, 0xfff);
  m.loadTr(SELECTORS.KGDT64_SYS_TSS);
  m.writeMsr(MSR.STAR, STAR_WINDOWS);
  m.writeMsr(MSR.LSTAR, nt.get(options.kvaShadow ? 'KiSystemCall64Shadow' : 'KiSystemCall64')!);
  m.writeMsr(MSR.FMASK, FMASK_WINDOWS);
  // User mode: CS 33h, SS/DS/ES/GS 2Bh, FS 53h; GS base = TEB, KERNEL_GS_BASE = KPCR.
  m.loadSeg('cs', SELECTORS.KGDT64_R3_CODE);
  for (const s of ['ss', 'ds', 'es', 'gs']) m.loadSeg(s, SELECTORS.KGDT64_R3_DATA);
  m.loadSeg('fs', SELECTORS.KGDT64_R3_CMTEB);
  m.writeMsr(MSR.FS_BASE, 0n);
  m.writeMsr(MSR.GS_BASE, USER.teb);
  m.writeMsr(MSR.KERNEL_GS_BASE, PCR.kpcr);
  m.setCr(3, userCr3);
  m.setReg('rsp', USER.stackBase - 0x48n);
  m.setReg('rip', app.labels.get('wmain')!);
  m.setReg('rflags', 0x202n);
  m.events.clear();

  return { machine: m, options, labels: { nt, ntdll, app: app.labels }, data, kernelCr3, userCr3 };
}
