// Exercises at the end of "A debug exception at the door: MOV SS and POP SS" (emulator/src/scenario/
// exercise.ts says what each field means). Checks are predicates over the machine, evaluated after
// every command. The bytes written over svcloop!wmain are those the chapter's listings decode.
import type { Exercise } from '../../emulator/src/scenario/exercise.ts';

export default [
  {
    id: 'held-db-in-user-mode',
    goal: 'Make a data breakpoint on the selector that mov ss reads reach kd from user mode: after the mov ss, put an instruction other than syscall.',
    hints: [
      'eb svcloop!wmain 8e 15 04 00 00 00 90 cc 90 90 2b 00 writes mov ss,word ptr [wmain+0Ah], a nop, an int 3, and the selector 2Bh at +0Ah.',
      'ba r2 svcloop!wmain+0a watches the two bytes of the selector.',
    ],
    solution: ['eb svcloop!wmain 8e 15 04 00 00 00 90 cc 90 90 2b 00', 'ba r2 svcloop!wmain+0a', 'g'],
    // kd reports the data breakpoint, one instruction late: after the nop.
    check: { state: '@rip == svcloop!wmain+7', lastEvent: ['break'] },
    wrong: {
      commands: ['eb svcloop!wmain 8e 15 04 00 00 00 0f 05 cc 90 2b 00', 'ba r2 svcloop!wmain+0a', 'g'],
      why: 'with syscall after the mov ss the #DB arrives at nt!KiSystemCall64 with the user\'s GS base and never reaches kd',
    },
  },
  {
    id: 'fixed-machine-table',
    goal: 'On the machine with the May 2018 fix, display with dps the first three entries of the table its #DB entry compares against, then run the mov ss / syscall program to the int 3 after the syscall.',
    hints: [
      'The table is nt!KiDebugTraps; dps shows its qwords and names each entry.',
      'The program: eb svcloop!wmain 4c 8b d1 b8 46 00 00 00 8e 15 04 00 00 00 0f 05 cc 90 2b 00, then ba r2 svcloop!wmain+12 and g.',
    ],
    options: { movSsFix: true },
    solution: ['dps nt!KiDebugTraps L3', 'eb svcloop!wmain 4c 8b d1 b8 46 00 00 00 8e 15 04 00 00 00 0f 05 cc 90 2b 00', 'ba r2 svcloop!wmain+12', 'g'],
    check: { state: '@rip == svcloop!wmain+10', lastEvent: ['break'], used: ['dps', 'ba'] },
    wrong: {
      commands: ['eb svcloop!wmain 4c 8b d1 b8 46 00 00 00 8e 15 04 00 00 00 0f 05 cc 90 2b 00', 'g'],
      why: 'without the data breakpoint (and the table) the run shows nothing of the fix',
    },
  },
] satisfies Exercise[];
