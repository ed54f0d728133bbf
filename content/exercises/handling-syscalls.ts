// Exercises at the end of "Handling syscalls" (emulator/src/scenario/exercise.ts says what each
// field means). Checks are predicates over the machine, evaluated by kd after every command.
import type { Exercise } from '../../emulator/src/scenario/exercise.ts';

export default [
  {
    id: 'kernel-stack',
    goal: 'Stop the machine exactly when the kernel has switched to its own stack, and show the kernel RSP.',
    hints: [
      'The handler loads its stack pointer with mov rsp,qword ptr gs:[1A8h]: break on the instruction after it.',
      'r rsp shows one register.',
    ],
    solution: ['bp nt!KiSystemCall64+0x15', 'g', 'r rsp'],
    // RIP is one instruction past the load, and RSP is the per-processor kernel stack pointer.
    check: { state: '@rip == nt!KiSystemCall64+0x15; @rsp == poi(@$pcr+1A8h)', shownWith: ['r'] },
    wrong: { commands: ['bp nt!KiSystemCall64+0xc', 'g', 'r rsp'], why: 'one instruction early: rsp still holds the user stack' },
  },
  {
    id: 'down-without-a-breakpoint',
    goal: 'Bring the machine down without setting any breakpoint.',
    hints: [
      'The handler trusts the kernel stack pointer it reads from gs:[1A8h].',
      'eq writes a qword into memory; @$pcr is the per-processor data.',
    ],
    solution: ['eq @$pcr+1A8 0', 'g'],
    // Whatever the machine computes, kd's last report is a bug check or a triple fault.
    check: { lastEvent: ['bugcheck', 'triple-fault'], notUsed: ['bp', 'bu', 'bm', 'ba'] },
    wrong: { commands: ['bp nt!KiSystemCall64', 'g'], why: 'brings the machine down, but with a breakpoint' },
  },
] satisfies Exercise[];
