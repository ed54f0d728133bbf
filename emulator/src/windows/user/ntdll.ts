// ntdll's system-service stubs and the little user-mode code the kernel returns to, as assembly.
//
// Stub shape and bytes: ntdll!NtTerminateProcess of build 17134 as printed by cdb in a public crash
// dump analysis (see build.ts), identical in shape to later Windows 10 stubs:
//   4c8bd1            mov r10,rcx                    (SYSCALL overwrites RCX with the return RIP)
//   b8xxxxxxxx        mov eax,<service number>
//   f604250803fe7f01  test byte ptr [7FFE0308h],1    (KUSER_SHARED_DATA.SystemCall)
//   7503              jne +5 (the int 2Eh path)
//   0f05              syscall
//   c3                ret
//   cd2e              int 2Eh
//   c3                ret

import { SERVICE_NUMBERS } from '../build.ts';
import type { ServiceName } from '../build.ts';
import { hex } from '../kernel/ntoskrnl.ts';

export const STUB_SPACING = 0x20;

/** The stub of one service; boot assembles it at ntdllStubs + number * 20h (model layout: stubs
 *  20h apart in service-number order) and fills the gaps with int 3. */
export function ntdllStubText(name: ServiceName): string {
  const n = SERVICE_NUMBERS[name];
  return `${name}:
  mov     r10,rcx
  mov     eax,${hex(n)}
  test    byte ptr [7FFE0308h],1
  jne     ${name}Int2E
  syscall
  ret
${name}Int2E:
  int     2Eh
  ret
`;
}

/** ntdll code that is not a stub. */
export function ntdllCodeText(ntTerminateProcess: bigint): string {
  return `
; The kernel sends a user-mode exception here (RCX = exception code). model: the process has no
; vectored or frame-based handlers, so the dispatcher ends the process with the exception code as
; its exit status, as the default unhandled-exception path does.
KiUserExceptionDispatcher:
  and     rsp,0FFFFFFFFFFFFFFF0h
  sub     rsp,20h
  mov     edx,ecx
  mov     rcx,0FFFFFFFFFFFFFFFFh
  mov     rax,${hex(ntTerminateProcess)}
  call    rax
  int     3
`;
}
