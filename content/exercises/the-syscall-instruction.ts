// Exercises at the end of "The SYSCALL instruction" (emulator/src/scenario/exercise.ts says what
// each field means). Checks are predicates over the machine, evaluated by kd after every command.
import type { Exercise } from '../../emulator/src/scenario/exercise.ts';

export default [
  {
    id: 'on-the-syscall',
    goal: 'Stop the program on its syscall instruction at the moment it is about to ask the kernel for NtClose (service 0Fh).',
    hints: [
      'u ntdll!NtClose lists the stub: find the offset of its syscall.',
      'The service number travels in eax, loaded by the stub before the syscall.',
    ],
    solution: ['bp ntdll!NtClose+0x12', 'g'],
    // The two bytes at RIP are the SYSCALL opcode 0F 05, and RAX holds NtClose's number.
    check: { state: 'wo(@rip) == 050f; @rax == 0f' },
    wrong: { commands: ['bp ntdll!NtClose', 'g'], why: 'stops on the stub\'s first instruction, before eax is loaded' },
  },
  {
    id: 'after-the-return',
    goal: 'Stop in user mode on the instruction right after a syscall, once the kernel has returned there.',
    hints: [
      'SYSCALL saves the address of the next instruction in rcx; SYSRET jumps back to it.',
      'A breakpoint on a user-mode instruction is hit like any other.',
    ],
    solution: ['bp ntdll!NtClose+0x14', 'g'],
    // Back at CPL 3 (cs 33h), the instruction before RIP is 0F 05, and RIP is the rcx SYSCALL saved.
    check: { state: 'wo(@rip-2) == 050f; @rip == @rcx; @cs == 33' },
    wrong: { commands: ['bp ntdll!NtClose+0x12', 'g'], why: 'stops before the syscall runs, not after the return' },
  },
] satisfies Exercise[];
