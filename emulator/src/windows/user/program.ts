// The default user program: it calls a few system services in a loop, forever, so that `g` keeps
// reaching the system-call path. Calls into ntdll go through a register, as a real image's calls
// go through its import address table (the two images are more than 2 GB apart).

import { hex } from '../kernel/ntoskrnl.ts';

export interface ProgramImports {
  NtQuerySystemTime: bigint;
  NtYieldExecution: bigint;
  NtClose: bigint;
  NtQueryInformationProcess: bigint;
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
  ; NtQueryInformationProcess(NtCurrentProcess(), ProcessBasicInformation, &info, 30h, &length):
  ; five arguments, so the fifth (ReturnLength) goes on the stack, at [rsp+20h] before the call;
  ; info is the 30h bytes at [rsp+28h], length the 4 bytes at [rsp+58h]
  sub     rsp,60h
  mov     rcx,0FFFFFFFFFFFFFFFFh
  xor     edx,edx
  lea     r8,[rsp+28h]
  mov     r9d,30h
  lea     rax,[rsp+58h]
  mov     qword ptr [rsp+20h],rax
  mov     rax,${hex(imp.NtQueryInformationProcess)}
  call    rax
  add     rsp,60h
  jmp     MainLoop
`;
}
