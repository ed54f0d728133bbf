// `SharedUserData`: the name kd gives the user-mode view of KUSER_SHARED_DATA at 7FFE0000h (the
// fixed address ntddk.h gives it, MM_SHARED_USER_DATA_VA). Public listings of the ntdll system-
// call stubs show its fields that way: `test byte ptr [SharedUserData+0x308 (00000000`7ffe0308)],1`
// (`u ntdll!NtCreateFile` on Windows 10). It has no module, so it is neither in `lm` nor `x`; an
// expression may name it (`dd SharedUserData+0x308`).

import { SHARED_DATA } from '../windows/layout.ts';
import { symbolWithOffset } from './format/core.ts';

const SIZE = 0x1000n;

export function sharedUserDataName(address: bigint): string | undefined {
  const off = address - SHARED_DATA.user;
  return off >= 0n && off < SIZE ? symbolWithOffset('SharedUserData', off) : undefined;
}

export function sharedUserDataAddress(name: string): bigint | undefined {
  return name.toLowerCase() === 'shareduserdata' ? SHARED_DATA.user : undefined;
}
