// Where everything lives in the modeled machine's virtual address space. One processor, one
// process, one thread. Address ranges follow what kd shows on Windows 10 x64 (kernel image at
// fffff80x`xxxxxxxx, pool at ffffa..., kernel stacks at ffffb..., KUSER_SHARED_DATA at 7FFE0000
// and its kernel alias fffff780`00000000, ntdll at 00007ff9`..., user stacks low); the exact values
// are this model's choice (Windows randomises them at every boot).

export const PAGE = 0x1000n;

/** ntoskrnl image: header page, .text, KVASCODE (the KVA-shadow entry stubs, the only kernel code
 *  the user page tables map), .data. */
export const NT = {
  base: 0xfffff8031b200000n,
  text: 0xfffff8031b201000n,
  textSize: 0x8000n,
  kvascode: 0xfffff8031b220000n,
  kvascodeSize: 0x2000n,
  data: 0xfffff8031b230000n,
  dataSize: 0x2000n,
  size: 0x40000n,
} as const;

/** Per-processor block for processor 0. The KPCR spans 8 pages (the 17134 KPRCB ends at 7E80h +
 *  its request mailbox, KPCR+8000h); its page at +7000h holds the KPRCB's KVA-shadow fields
 *  (gs:[7000h]..) and is the only KPCR page the user page tables map. */
export const PCR = {
  kpcr: 0xfffff80319e00000n,
  kpcrSize: 0x8000n,
  shadowPage: 0xfffff80319e07000n,
  gdt: 0xfffff80319e0b000n,        // GDT at +0, TSS at +100h (same page)
  tss: 0xfffff80319e0b100n,
  idt: 0xfffff80319e0c000n,
  // Guard pages (unmapped) sit below every stack: a push past the end faults instead of
  // corrupting a neighbour.
  transitionStackTop: 0xfffff80319e10000n, // pages e0e000..e0ffff, guard e0d000
  transitionStackPages: 2,
  istTops: [
    0n,                     // IST0 = "no IST"
    0xfffff80319e18000n,    // IST1 #DF     pages e12000..e17fff, guard e11000
    0xfffff80319e1f000n,    // IST2 #MC     pages e19000..e1efff, guard e18000
    0xfffff80319e26000n,    // IST3 NMI     pages e20000..e25fff, guard e1f000
    0xfffff80319e2d000n,    // IST4 #DB (KVA shadow) pages e27000..e2cfff, guard e26000
  ],
  istPages: 6,
} as const;

/** The one thread and its process (nonpaged pool addresses). */
export const THREAD = {
  ethread: 0xffffa38c4b2d6080n,
  eprocess: 0xffffa38c4a9e1080n,
  // Kernel stack: 6 pages (KERNEL_STACK_SIZE 6000h on x64) with a guard page below.
  stackBase: 0xffffbc88eeb0b000n,
  stackPages: 6,
  // The thread's XSAVE area (KTHREAD.StateSaveArea) fills the top of its kernel stack, and the
  // stack proper (KTHREAD.InitialStack = KPRCB.RspBase) starts 30h below it. Sizes: legacy FXSAVE
  // image 200h + XSAVE header 40h + AVX state 100h = 340h (SDM Vol. 1 §13.4 "XSAVE Area"); the
  // total, 370h below the page-aligned top, is what a public crash dump of build 17134 shows:
  // gs:[1A8h] = ffffbc88`eeb10c90, 370h below the page boundary where the stack's base lies (the
  // 30h between InitialStack and the XSAVE area is the remainder; its contents are not modeled).
  stateSaveAreaSize: 0x340n,
  initialStackGap: 0x30n,
} as const;

export const SHARED_DATA = {
  user: 0x7ffe0000n,
  kernel: 0xfffff78000000000n,
} as const;

export const USER = {
  imageBase: 0x00007ff65a3b0000n,
  imageText: 0x00007ff65a3b1000n,
  imageData: 0x00007ff65a3b3000n,
  ntdllBase: 0x00007ff9cbe90000n,
  /** ntdll's system-service stubs: one every 20h bytes, in service-number order (model choice; real
   *  ntdll orders them by name, which for these old services gives the same order). */
  ntdllStubs: 0x00007ff9cbe91000n,
  /** ntdll code that is not a stub (KiUserExceptionDispatcher, the process start routine). */
  ntdllCode: 0x00007ff9cbe93000n,
  ntdllSize: 0x5000n,
  peb: 0x0000002351163000n,
  teb: 0x0000002351164000n,
  // User stack: 16 committed pages below stackBase, guard page below them.
  stackBase: 0x0000002351380000n,
  stackPages: 16,
} as const;

/** The kernel page tables' self-map: PML4 entry 1EDh points at the PML4 itself, so every paging
 *  entry of the kernel's hierarchy has a virtual address (SDM Vol. 3A §4.5: a PML4E that names a
 *  PML4 page makes that page a PDPT, a PD and a PT in turn). Windows 10 1607 and later pick the
 *  index at random at every boot (the PTE base kd shows varies: FFFFE381..., FFFFFA7D...); 1EDh is
 *  the model's choice, the index of Windows versions before 1607, so the addresses read like the
 *  classic `!pte` transcripts (PXE of address 0 at FFFFF6FB7DBED000). nt!MmPteBase holds the base.
 *  The user (KVA-shadow) hierarchy has no self-map in the model. */
export const SELF_MAP = { index: 0x1edn, pteBase: 0xfffff68000000000n } as const;

/** Physical memory: page tables are allocated from here upwards, then every mapped page. */
export const PHYS_ALLOC_START = 0x100000n;

/** nt's global variables (.data, .rdata and the KVASCODE data page): the kernel source refers to
 *  them by these addresses, and boot fills them. */
export const NT_DATA = {
  KiKvaShadow: NT.data + 0x000n,
  KeSmapEnabled: NT.data + 0x008n,
  KdDebuggerEnabled: NT.data + 0x010n,
  MmUserProbeAddress: NT.data + 0x018n,
  KeUserExceptionDispatcher: NT.data + 0x020n,
  MmPteBase: NT.data + 0x028n,
  // model switch for the sysretUnchecked option (see kernel/syscall.ts, KiSystemServiceExit)
  KiSysretUnchecked: NT.data + 0x038n,
  KiBugCheckData: NT.data + 0x040n,
  KeServiceDescriptorTable: NT.data + 0x100n,
  // Later builds put KiDebugTraps after KeServiceDescriptorTable too (8 entries; public
  // decompilations of KiInitializeIdt / KiInitializeBootStructures fill it).
  KiDebugTraps: NT.data + 0x140n,
  // KeServiceDescriptorTableShadow: the nt descriptor again, then win32k's (empty in the model),
  // after KiDebugTraps' eight entries (model placement).
  KeServiceDescriptorTableShadow: NT.data + 0x180n,
  SharedUserDataKernel: SHARED_DATA.kernel,
  KiServiceTable: NT.data + PAGE,
  KiKvaShadowKernelCr3: NT.kvascode + PAGE,
  // model switch and KPCR copy for the dfReloadsGs option (see kernel/kvascode.ts)
  KiDoubleFaultReloadsGs: NT.kvascode + PAGE + 0x008n,
  KiDoubleFaultPcr: NT.kvascode + PAGE + 0x010n,
} as const;
