// Exercises at the end of "KVA shadow: two page tables" (emulator/src/scenario/exercise.ts says
// what each field means). Both run on the machine booted with KVA shadow on.
import type { Exercise } from '../../emulator/src/scenario/exercise.ts';

export default [
  {
    id: 'first-safe-shadow-bp',
    goal: 'With KVA shadow on, stop the machine at the first instruction of the system-call entry that runs on the kernel\'s page tables and the kernel stack, and show CR3 there.',
    hints: [
      'IA32_LSTAR (rdmsr c0000082) names the entry the processor jumps to.',
      'The entry loads CR3 from gs:[7000h] and rsp from gs:[7008h]; a breakpoint before both are done takes the machine down.',
    ],
    solution: ['bp nt!KiSystemCall64Shadow+0x2d', 'g', 'r cr3'],
    // Stopped there (not crashed), on the process's kernel directory base.
    check: { state: '@rip == nt!KiSystemCall64Shadow+0x2d; @cr3 == poi(@$proc+28)', lastEvent: ['break', 'step'], shownWith: ['r'] },
    wrong: { commands: ['bp nt!KiSystemCall64Shadow+0x24', 'g', 'r cr3'], why: 'at +24h rsp still holds the directory base: the int 3 has no stack and the machine bug-checks' },
    options: { kvaShadow: true },
  },
  {
    id: 'exit-user-base',
    goal: 'With KVA shadow on, stop on the first instruction of the shadow sysret exit, while the kernel\'s page tables are still loaded, and display the directory base it is about to load into CR3.',
    hints: [
      'The system-service exit jumps to nt!KiKernelSysretExit when nt!KiKvaShadow is 1.',
      'The base is a field of the current process: dt nt!_KPROCESS @$proc UserDirectoryTableBase.',
    ],
    solution: ['bp nt!KiKernelSysretExit', 'g', 'dt nt!_KPROCESS @$proc UserDirectoryTableBase'],
    check: { state: '@rip == nt!KiKernelSysretExit; @cr3 == poi(@$proc+28)', lastEvent: ['break', 'step'], shownWith: ['dt', 'dq', '?', '!vtop'] },
    wrong: { commands: ['bp nt!KiKernelSysretExit+0x44', 'g', 'dt nt!_KPROCESS @$proc UserDirectoryTableBase'], why: 'past the CR3 load rsp is zero (the exit borrowed esp for ShadowFlags): the int 3 has no stack and the machine bug-checks' },
    options: { kvaShadow: true },
  },
] satisfies Exercise[];
