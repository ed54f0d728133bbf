// The public sources the model's routines and layouts are traced to. A routine or a structure
// names them by key; the fidelity page prints the name, the build and the link.

import type { Source } from './types.ts';

export const SOURCES: Record<string, Source> = {
  'auscitte-17134': {
    name: 'Ry Auscitte, "Bringing My OS Back from the Abyss: Windows Crash Dump Analysis (Part 1)" (cdb listings of nt!KiSystemCall64 and ntdll!NtTerminateProcess with bytes)',
    url: 'https://github.com/Auscitte/auscitte.github.io/blob/22e4006c189637067545f5af781235c701ba1a9c/_posts/2019-02-06-Crash-Dump-Analysis.md',
    build: '10.0.17134.1.amd64fre.rs4_release.180410-1804 (a serviced 17134 kernel; OSBUILD_TIMESTAMP 2018-09-19)',
  },
  'vergilius-17134': {
    name: 'Vergilius project layouts of Windows 10 1803, as generated C headers (novafacing/vergilius-rs, headers/bindings-10.0.17134.1-x64.h)',
    url: 'https://github.com/novafacing/vergilius-rs/blob/58f8e9aaa3f79a1950d29c3985e9d50ca397c20b/headers/bindings-10.0.17134.1-x64.h',
    build: '10.0.17134.1',
  },
  'deepdive-2023': {
    name: '"From Userland to Kernel: Deep Dive into SYSCALLs using WinDbg and Binary Patching" (blog post, 2023-09-26; WinDbg listing of nt!KiSystemCall64Shadow with bytes)',
    build: 'a 2022 or later Windows 10/11 x64 kernel; the author does not name the build',
  },
  'lycorisguard-2019': {
    name: 'LycorisGuard, "CPU漏洞补丁修复导致KeServiceDescriptorTable获取变更" (blog post, 2019-01-11: IDA listings of nt!KiSystemCall64Shadow and nt!KiKernelSysretExit in KVASCODE, a WinDbg `u` of KiSystemCall64Shadow with bytes, `dt _KPROCESS` DirectoryTableBase/UserDirectoryTableBase, `!dq` of both PML4s and `!vtop` of KiSystemCall64Shadow and of a KPCR address under each)',
    url: 'https://github.com/CrackerCat/LycorisGuard.github.io/blob/f47e03553bc673f4d155f33abe1d55cd5439bf5e/_posts/2019-1-11-CPU%E6%BC%8F%E6%B4%9E%E8%A1%A5%E4%B8%81%E4%BF%AE%E5%A4%8D%E5%AF%BC%E8%87%B4KeServiceDescriptorTable%E8%8E%B7%E5%8F%96%E5%8F%98%E6%9B%B4.markdown',
    build: 'Windows 10 x64 kernels with 17134\'s KVA-shadow offsets (gs:[7000h], KPROCESS+278h, KTHREAD.Process 220h) but EPROCESS+830h where 17134 reads 838h: a neighbouring build (1709 or 1809), not named',
  },
  'msrc-kva-2018': {
    name: 'Ken Johnson (MSRC), "KVA Shadow: Mitigating Meltdown on Windows" (2018-03-23)',
    url: 'https://msrc.microsoft.com/blog/2018/03/kva-shadow-mitigating-meltdown-on-windows/',
    build: 'Windows 10 and earlier x64 kernels with the January 2018 updates',
  },
  'shadow-trap-listing': {
    name: 'Public WinDbg listing of nt!KiRaiseSecurityCheckFailureShadow (KVA-shadow trap entry stub)',
    build: 'a later Windows 10 x64 kernel; build not named',
  },
  'wrk-trap-asm': {
    name: 'Windows Research Kernel 1.2, base/ntos/ke/amd64/trap.asm (trap entry, KiExceptionDispatch, KiExceptionExit, KiSystemService)',
    url: 'https://github.com/mic101/windows/blob/514509862aa26a957bf5a9a4024037770742e158/WRK-v1.2/base/ntos/ke/amd64/trap.asm',
    build: 'Windows Server 2003 SP1 x64 (the WRK); the same frame layout and register conventions as Windows 10',
  },
  'win10-trap-listings': {
    name: 'Public disassemblies of Windows 10 x64 trap handlers (e.g. nt!KiOverflowTrap: sub rsp,8 / push rbp / sub rsp,158h / lea rbp,[rsp+80h] / test byte ptr [rbp+0F0h],1 / swapgs)',
    build: 'Windows 10 x64, builds not named',
  },
  'win10-syscall-listings': {
    name: 'Public IDA/WinDbg listings of nt!KiSystemCall64 after the trap frame (KiSystemServiceStart / KiSystemServiceRepeat table walk, KiSystemServiceExit sysret path)',
    build: 'Windows 10 x64, builds not named',
  },
  'dbgbreak-listings': {
    name: 'Public WinDbg listings of nt!DbgBreakPointWithStatus (cc int 3 / c3 ret, called from nt!KiBugCheckDebugBreak) in bug-check sessions',
    build: 'Windows 10 x64, builds not named',
  },
  'kidoublefaultabort-dumps': {
    name: 'Public IDA disassembly ("XREFs of KiDoubleFaultAbort @ 0x140160900": test [rbp+0F0h],1 / swapgs on the user path / mov r10,[rbp+0E8h] / mov r9,[rbp+100h] / mov r8,rsp / mov edx,8 / mov ecx,7Fh / call KiBugCheckDispatch) and four Hex-Rays decompilations of nt!KiDoubleFaultAbort from other kernels',
    build: 'Windows 10 and 11 x64 kernels; builds not named (all later than 17134: they read other EPROCESS and KPRCB offsets)',
  },
  'kidoublefaultabortshadow-decompilation': {
    name: 'Public Hex-Rays decompilation of nt!KiDoubleFaultAbortShadow (rdmsr/wrmsr of IA32_GS_BASE, kernel CR3 from KPRCB.KernelDirectoryTableBase, then KiDoubleFaultAbort)',
    build: 'a Windows 11 x64 kernel (shadow fields at gs:[A018h]); build not named',
  },
  'bugcheck-stacks': {
    name: 'Public kd stacks of double-fault bug checks: GitHub asamy/ksm issue #19 (DbgBreakPointWithStatus <- KiBugCheckDebugBreak+0x12 <- KeBugCheck2+0x71e <- KeBugCheckEx+0x104 <- KiBugCheckDispatch+0x69 <- KiDoubleFaultAbort+0xb2) and dokan-dev/dokany issue #944 (KeBugCheckEx <- KiBugCheckDispatch+0x69 <- KiDoubleFaultAbort+0x2c3)',
    url: 'https://github.com/asamy/ksm/issues/19',
    build: 'Windows 7 x64 (ksm #19); Windows 10 x64 (dokany #944)',
  },
  'dumps-7f-8': {
    name: 'Public !analyze output of 0x7F/8 on Windows 10: sandboxie-plus/Sandboxie issue #141 and can1357/ByePg issue #9 (Arg2 a trap-frame address, Arg3 a kernel-stack address)',
    url: 'https://github.com/sandboxie-plus/Sandboxie/issues/141',
    build: 'Windows 10 x64 (ByePg #9: 18362)',
  },
  'wrk-procstat-asm': {
    name: 'Windows Research Kernel 1.2, base/ntos/ke/amd64/procstat.asm (KeBugCheckEx saves the context into the PRCB before calling KeBugCheck2)',
    build: 'Windows Server 2003 SP1 x64 (the WRK)',
  },
  'j00ru-syscalls': {
    name: "Mateusz Jurczyk (j00ru), Windows X86-64 System Call Table, column Windows 10 1803",
    url: 'https://j00ru.vexillium.org/syscalls/nt/64/',
    build: '10.0.17134',
  },
  'win10-copy-listings': {
    name: 'Public IDA listings of a Windows 10 x64 nt!KiSystemCall64 past the trap frame: KiSystemServiceStart (mov edi,eax / shr edi,7 / and edi,20h / and eax,0FFFh), KiSystemServiceRepeat (lea r10,KeServiceDescriptorTable / lea r11,KeServiceDescriptorTableShadow / test [rbx+78h],80h GuiThread / test [rbx+78h],200000h RestrictedGuiThread / cmp eax,[r10+rdi+10h] / movsxd r11,[r10+rax*4] / sar r11,4), the stack-argument copy (and eax,0Fh / shl eax,3 / lea rsp,[rsp-70h] / lea rdi,[rsp+18h] / rsi = TrapFrame.Rsp+20h, capped at MmUserProbeAddress / lea r11,KiSystemServiceCopyEnd / sub r11,rax / jmp r11; KiSystemServiceCopyStart: 14 pairs mov rax,[rsi+70h]..[rsi+8] / mov [rdi+..],rax), then mov rax,r10 / call rax',
    build: 'Windows 10 x64, builds not named (annotated IDA dumps published on GitHub)',
  },
  'sec665-ssdt': {
    name: 'SEC665 syscalls book, "KiSystemServiceRepeat" (KeServiceDescriptorTable, KeServiceDescriptorTableShadow and KeServiceDescriptorTableFilter; the descriptor: ServiceTable, CounterTable, ServiceLimit, ArgumentTable; the stack-argument count as (((int*)&nt!KiServiceTable)[N] & 0xf) in WinDbg)',
    url: 'https://books.syscalls.sec665.io/ki-system-service-repeat.html',
    build: 'Windows 10/11 x64, build not named',
  },
  'ms-ntqueryinformationprocess': {
    name: 'Microsoft, NtQueryInformationProcess function (winternl.h): the five parameters, ProcessBasicInformation and PROCESS_BASIC_INFORMATION, STATUS_INFO_LENGTH_MISMATCH',
    url: 'https://learn.microsoft.com/en-us/windows/win32/api/winternl/nf-winternl-ntqueryinformationprocess',
    build: 'all Windows versions',
  },
  'ms-bugcheck-7f': {
    name: 'Microsoft, Bug Check 0x7F: UNEXPECTED_KERNEL_MODE_TRAP',
    url: 'https://learn.microsoft.com/en-us/windows-hardware/drivers/debugger/bug-check-0x7f--unexpected-kernel-mode-trap',
    build: 'all Windows versions',
  },
  'kidebugtraporfault-decompilations': {
    name: 'Public IDA disassembly and Hex-Rays decompilations of nt!KiDebugTrapOrFault ("XREFs of KiDebugTrapOrFault @ 0x140423580": a kernel-mode #DB whose saved RIP is one of the 8 entries of KiDebugTraps returns with iretq, or KiKernelIstExit with KVA shadow; every other #DB goes on to KxDebugTrapOrFault) and of KiInitializeIdt / KiInitializeBootStructures (KiDebugTraps[KiDebugTrapIndex++] = the handler of every IDT entry with DPL > 0, then the LSTAR and CSTAR targets)',
    build: 'Windows 10 and 11 x64 kernels later than the May 2018 update; builds not named',
  },
  'idt-dumps-db-ist': {
    name: 'Public `!idt` output of Windows 10 x64: with KVA shadow, "01: nt!KiDebugTrapOrFaultShadow Stack = ..." (an IST stack); in later builds without KVA shadow, "01: nt!KiDebugTrapOrFault Stack = 0xFFFFF80764A7A000"; ReactOS\' KiInterruptInitTable gives #DB IST 0',
    build: 'Windows 10 x64, builds not named',
  },
  'cve-2018-8897': {
    name: 'Nick Peterson and Nemanja Mulasmajic, "POP SS/MOV SS Vulnerability" (Everdox Tech / Triplefault, May 2018); Microsoft, CVE-2018-8897 Windows Kernel Elevation of Privilege Vulnerability (May 8, 2018 updates); CERT/CC VU#631579',
    url: 'https://www.kb.cert.org/vuls/id/631579',
    build: 'every Windows x64 before the May 2018 updates',
  },
  'ms-bugcheck-codes': {
    name: 'Microsoft, Bug check code reference (0x1E, 0x3B, 0x50)',
    url: 'https://learn.microsoft.com/en-us/windows-hardware/drivers/debugger/bug-check-code-reference2',
    build: 'all Windows versions',
  },
  'ms12-042': {
    name: 'Microsoft Security Bulletin MS12-042, "Vulnerabilities in Windows Kernel Could Allow Elevation of Privilege (2711167)", CVE-2012-0217 "User Mode Scheduler Memory Corruption Vulnerability" (June 12, 2012)',
    url: 'https://learn.microsoft.com/en-us/security-updates/securitybulletins/2012/ms12-042',
    build: 'Windows 7 and Windows Server 2008 R2 x64 (the affected builds); says what was fixed, not how the code changed',
  },
  'cert-vu649219': {
    name: 'CERT/CC Vulnerability Note VU#649219, "SYSRET 64-bit operating system privilege escalation vulnerability on Intel CPU hardware" (June 12, 2012)',
    url: 'https://www.kb.cert.org/vuls/id/649219',
    build: 'every x64 operating system that returns with SYSRET (Windows, FreeBSD, NetBSD, Xen, ...)',
  },
  'sysret-writeups': {
    name: 'Public write-ups of the Intel SYSRET problem: Rafal Wojtczuk, "A Stitch In Time Saves Nine: A Case Of Multiple OS Vulnerability" (Black Hat USA 2012); Fuchsia, "Avoiding a problem with the SYSRET and IRETQ instructions" (a non-canonical return address faults in kernel mode on Intel, in user mode on AMD; kernels check the address before returning)',
    url: 'https://fuchsia.dev/fuchsia-src/concepts/kernel/sysret_problem',
    build: 'not Windows-specific; no Windows listing of the fixed exit is public',
  },
};
