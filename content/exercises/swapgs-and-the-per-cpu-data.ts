// Exercises at the end of "SWAPGS and the per-CPU data behind GS" (emulator/src/scenario/exercise.ts
// says what each field means). Checks are predicates over the machine, evaluated after every command.
import type { Exercise } from '../../emulator/src/scenario/exercise.ts';

export default [
  {
    id: 'first-kernel-gs',
    goal: 'Stop the machine on the first instruction that runs with the kernel\'s GS base, without bringing it down.',
    hints: [
      'swapgs is three bytes long (0f 01 f8).',
      'A breakpoint on swapgs itself runs its int 3 with the user\'s GS base.',
    ],
    solution: ['bp nt!KiSystemCall64+3', 'g'],
    // Stopped (a breakpoint or a step, not a crash) one instruction past swapgs.
    check: { state: '@rip == nt!KiSystemCall64+3', lastEvent: ['break', 'step'] },
    wrong: { commands: ['bp nt!KiSystemCall64', 'g'], why: 'the breakpoint on swapgs brings the machine down' },
  },
  {
    id: 'parked-user-rsp',
    goal: 'Stop where the user\'s stack pointer has just been parked in the per-processor data at gs:[10h], and display that slot.',
    hints: [
      'The handler\'s second instruction is mov qword ptr gs:[10h],rsp: break on the one after it.',
      'dq @$pcr+10 L1 displays one qword of the KPCR.',
    ],
    solution: ['bp nt!KiSystemCall64+0xc', 'g', 'dq @$pcr+10 L1'],
    // RIP is past the store, RSP is still the user's, and the slot holds it.
    check: { state: '@rip == nt!KiSystemCall64+0xc; poi(@$pcr+10) == @rsp', shownWith: ['dq', 'dp', 'dps', 'dt', '?', '!pcr'] },
    wrong: { commands: ['bp nt!KiSystemCall64+3', 'g', 'dq @$pcr+10 L1'], why: 'one instruction early: the slot still holds an older value' },
  },
] satisfies Exercise[];
