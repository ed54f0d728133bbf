// Exercises at the end of "From a number to a function: service dispatch"
// (emulator/src/scenario/exercise.ts says what each field means). Checks are predicates over the
// machine, evaluated by kd after every command.
import type { Exercise } from '../../emulator/src/scenario/exercise.ts';

export default [
  {
    id: 'breakpoint-from-the-table',
    goal: 'Stop at the first instruction of the routine that service number 0Fh reaches, setting the breakpoint from KiServiceTable rather than by the routine\'s name.',
    hints: [
      'Entry N is the dword at nt!KiServiceTable+4*N; the routine is at the table plus the entry shifted right by 4, arithmetically.',
      'dwo() does not sign-extend: (dwo(X) ^ 80000000) - 80000000 does.',
    ],
    solution: ['bp nt!KiServiceTable + (((dwo(nt!KiServiceTable+4*0f) ^ 80000000) - 80000000) >>> 4)', 'g'],
    // Stopped at a breakpoint on NtClose's first byte (the routine table entry 0Fh names).
    check: { state: '@rip == nt!NtClose', lastEvent: ['break'] },
    wrong: { commands: ['bp nt!KiServiceTable + (dwo(nt!KiServiceTable+4*0f) >>> 4)', 'g'], why: 'the zero-extended entry puts the breakpoint 256 MB above the routine, where nothing runs' },
  },
  {
    id: 'fifth-argument',
    goal: 'Stop in nt!NtQueryInformationProcess and display its fifth argument, the one the dispatcher copied from the user stack.',
    hints: [
      'Four arguments arrive in rcx, rdx, r8 and r9.',
      'At a routine\'s first instruction its fifth argument is at [rsp+28h].',
    ],
    solution: ['bp nt!NtQueryInformationProcess', 'g', 'dq @rsp+28 L1'],
    // In the service, and the last command displayed memory.
    check: { state: '@rip == nt!NtQueryInformationProcess', shownWith: ['dq', 'dp', 'dps', 'dd', '?'] },
    wrong: { commands: ['bp nt!NtQueryInformationProcess', 'g', 'r r9'], why: 'r9 holds the fourth argument; the fifth is on the stack' },
  },
  {
    id: 'invalid-number',
    goal: 'Make a system call return STATUS_INVALID_SYSTEM_SERVICE (C000001Ch) by changing only the number in eax.',
    hints: [
      'ntdll!NtClose+8 is the instruction after the stub\'s mov eax,0Fh.',
      'The nt table has 5Bh entries: poi(nt!KeServiceDescriptorTable+10).',
    ],
    solution: ['bp ntdll!NtClose+8', 'g', 'r eax=5b', 'bc *', 'bp ntdll!NtClose+14', 'g'],
    check: { state: '@rax == @@c++(0xc000001c)' },
    wrong: { commands: ['bp ntdll!NtClose+8', 'g', 'r eax=19', 'bc *', 'bp ntdll!NtClose+14', 'g'], why: '19h is a real service, NtQueryInformationProcess, and it answers handle 4 with STATUS_INVALID_HANDLE' },
  },
] satisfies Exercise[];
