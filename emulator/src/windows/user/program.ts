// The default user program: it calls a few system services in a loop, forever, so that `g` keeps
// reaching the system-call path. Calls into ntdll go through a register, as a real image's calls
// go through its import address table (the two images are more than 2 GB apart).

import { hex } from '../kernel/ntoskrnl.ts';

export interface ProgramImports {
  NtQuerySystemTime: bigint;
  NtYieldExecution: bigint;
  NtClose: bigint;
}

/** Service number no table of the modeled build holds (index FFFh of table 0). */
export const UNKNOWN_SERVICE = 0xfff;

export function programText(imp: ProgramImports): string {
  return `
wmain:
  sub     rsp,28h
MainLoop:
  ; NtQuerySystemTime(&time): STATUS_SUCCESS, the time lands in the 8 bytes at [rsp+20h]
  lea     rcx,[rsp+20h]
  mov     rax,${hex(imp.NtQuerySystemTime)}
  call    rax
  ; NtYieldExecution(): STATUS_NO_YIELD_PERFORMED (nothing else to run)
  mov     rax,${hex(imp.NtYieldExecution)}
  call    rax
  ; NtClose(4): STATUS_INVALID_HANDLE (the model's process has no handles)
  mov     ecx,4
  mov     rax,${hex(imp.NtClose)}
  call    rax
  ; a service number no table holds, without a stub: STATUS_INVALID_SYSTEM_SERVICE
  mov     r10,rcx
  mov     eax,${hex(UNKNOWN_SERVICE)}
  syscall
  jmp     MainLoop
`;
}
