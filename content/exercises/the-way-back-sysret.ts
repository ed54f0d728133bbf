// Exercises at the end of "The way back: SYSRET" (emulator/src/scenario/exercise.ts says what each
// field means). Checks are predicates over the machine, evaluated after every command.
import type { Exercise } from '../../emulator/src/scenario/exercise.ts';

export default [
  {
    id: 'last-kernel-stack',
    goal: 'Stop on the last instruction of the way back that still runs on the kernel stack, without bringing the machine down.',
    hints: [
      'The exit ends with mov rbp,r9 / mov rsp,r8 / swapgs / sysretq.',
      'A breakpoint stops before its instruction runs: which of the four runs while rsp is still the kernel\'s?',
    ],
    solution: ['bp nt!KiSystemServiceExit+0xb2', 'g'],
    // Stopped on mov rsp,r8 with the kernel stack still in rsp.
    check: { state: '@rip == nt!KiSystemServiceExit+0xb2; (@rsp >> 0n47) == 0x1ffff', lastEvent: ['break', 'step'] },
    wrong: { commands: ['bp nt!KiSystemServiceExit+0xb5', 'g'], why: 'one instruction late: mov rsp,r8 has run and rsp is the user\'s stack' },
  },
  {
    id: 'return-address',
    goal: 'Stop at the start of nt!KiSystemServiceExit and display the address sysretq will return to, the trap frame\'s saved RIP.',
    hints: [
      'RBP points 80h bytes into the trap frame; the saved RIP is _KTRAP_FRAME.Rip at offset 168h.',
      'dq @rbp+e8 L1 displays it.',
    ],
    solution: ['bp nt!KiSystemServiceExit', 'g', 'dq @rbp+e8 L1'],
    check: { state: '@rip == nt!KiSystemServiceExit', shownWith: ['dq', 'dp', 'dps', 'dt', '?', 'ln'] },
    wrong: { commands: ['bp nt!KiSystemServiceExit', 'g', 'r rcx'], why: 'RCX still holds a kernel value here: the exit loads it from the trap frame later' },
  },
] satisfies Exercise[];
