// WinDbg commands this kd does not have. kd answers them as WinDbg answers a command it cannot
// parse, plus one line saying the command exists in WinDbg but is not modeled here, so that a
// missing command is never mistaken for a typo. Names from Microsoft's debugger reference
// ("Commands", "Meta-Commands", "Kernel-Mode Extensions", learn.microsoft.com/windows-hardware/
// drivers/debuggercmds/); the registered commands are never reported as missing.

import { findCommand } from './registry.ts';

const WINDBG_COMMANDS = new Set(`
  ba bm br bs bsc c dda ddp ddu dpa dpp dpu dqa dqp dqu dds dqs df dD dl ds dS dv dx dy dyd dg dc da du dyb
  e ea eu ef ep f fp gh gn gc ib iw id ob ow od j l+ l- ld ls lsa lsc lse lsf lsp m n pa pc ph pt s so sq
  ss sx sxd sxe sxi sxn sxr tb tc tt ta wt z vercommand version vertarget kd kf kM
  .abandon .allow_exec_cmds .apply_dbp .asm .attach .bpcmds .bpsync .break .breakin .cache .call
  .catch .chain .childdbg .clients .closehandle .context .continue .copysym .create .createdir .cordll
  .crash .cxr .dbgdbg .detach .dml_flow .dml_start .do .dump .dumpcab .dvalloc .dvfree .echotime
  .ecxr .effmach .enable_long_status .enable_unicode .endsrv .enumtag .event_code .eventlog .exepath
  .expr .exptr .exr .excr .fiber .fiximports .fnent .fnret .force_radix_output .force_tb .foreach
  .fpo .frame .formats .help .hh .hideinjectedcode .holdmem .ignore_missing_pages .imgscan .jdinfo
  .kdfiles .kframes .lastevent .leave .lines .load .loadby .locale .logappend .logclose .logfile
  .logopen .netsyms .noshell .noversion .ofilter .open .opendump .outmask .pagein .pcmd .pop
  .prefer_dml .printf .process .prompt_allow .push .quit_lock .readmem .reboot .record_branches
  .reload .remote .restart .rrestart .send_file .server .servers .setdll .shell .show_read_failures
  .sleep .sound_notify .srcfix .srcnoisy .srcpath .step_filter .symfix .symopt .sympath .thread
  .time .tlist .trap .tss .ttime .typeopt .unload .unloadall .urestart .wake .while .writemem
  !address !analyze !apic !arbiter !blackboxbsd !bugdump !calldata !cpuid !cpuinfo !db !dd !dq
  !dbgprint !deadlock !devnode !devobj !devstack !dh !dpcs !drvobj !error !exchain !exqueue !filecache
  !fltkd !for_each_process !gle !handle !heap !idt !ioapic !ipi !irp !irpfind !irql !job !kdexts
  !lmi !locks !lookaside !memusage !mtrr !object !obtrace !pci !pcitree !pcr !pde !peb !pfn !pool
  !poolfind !poolused !popolicy !powertriage !prcb !process !processfields !pte !qlocks !ready
  !reg !running !search !session !sd !sid !smt !stacks !sysinfo !sysptes !teb !thread !timer !token
  !tt !vad !verifier !vm !vtop !wdfkd !whea !wmitrace !zombies
`.split(/\s+/).filter(Boolean));

/** The note for a command WinDbg has and this kd lacks, else undefined (a typo gets no note). */
export function unmodeledNote(text: string): string | undefined {
  const name = /^(\.|!)?[A-Za-z_][A-Za-z0-9_+-]*/.exec(text)?.[0];
  if (!name || findCommand(text)) return undefined;
  const known = WINDBG_COMMANDS.has(name) || WINDBG_COMMANDS.has(name.toLowerCase());
  return known ? `${name} is a WinDbg command that this kd does not model (.help lists the commands it has).` : undefined;
}
