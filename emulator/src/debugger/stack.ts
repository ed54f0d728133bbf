// Stack walking for `k`/`kb`. The modeled kernel has no unwind tables (.pdata), so frames are found
// the way debuggers did before them: scan the stack upwards from the frame's stack pointer for a
// value that points just after a CALL instruction inside a known module (SDM Vol. 2A "CALL":
// the pushed return address is the address of the next instruction). That value is the frame's
// return address; the slot after it is the caller's Child-SP.
// A system call leaves no CALL behind: SYSCALL saved the user RIP (the instruction after it) and
// the kernel entry stored it, with the user RSP and CS, in a _KTRAP_FRAME (SDM Vol. 2B SYSCALL).
// A value that follows a `syscall` and sits in the Rip slot of a frame whose SegCs is a user
// selector (RPL 3) is taken as that machine frame: the caller's stack pointer is the frame's Rsp.

import type { MachineView } from './target.ts';

export interface WalkedFrame {
  childSp: bigint;
  pc: bigint;
  retAddr: bigint;
  args: [bigint, bigint, bigint, bigint];
  /** Address of the _KTRAP_FRAME this frame returns through, when it returns to user mode. */
  trapFrame?: bigint;
}

/** _KTRAP_FRAME offsets of Rip, Rsp and SegCs (from the modeled build's struct layout). */
export interface TrapFrameLayout { rip: number; rsp: number; segCs: number }

const MASK64 = (1n << 64n) - 1n;
/** How far above a frame's stack pointer a return address is looked for. */
const SCAN_BYTES = 0x800;
const MAX_FRAMES = 32;

function qword(m: MachineView, a: bigint): bigint | undefined {
  const b = m.readVirtual(a & MASK64, 8);
  if (!b) return undefined;
  let v = 0n;
  for (let i = 7; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
  return v;
}

/** Whether the bytes before `ret` end with a CALL: E8 rel32, or FF /2 with a 1..6-byte tail. */
export function followsCall(m: MachineView, ret: bigint): boolean {
  const before = m.readVirtual((ret - 7n) & MASK64, 7);
  if (!before) return false;
  if (before[2] === 0xe8) return true; // call rel32 (5 bytes)
  // call r/m64 (FF /2): ModRM reg field = 2; lengths 2 (ff d0), 3 (ff 50 xx / 41 ff d0), 6 (ff 15 disp32), 7.
  for (const len of [2, 3, 4, 6, 7]) {
    const i = 7 - len;
    const opAt = before[i] === 0xff ? i : before[i] >= 0x40 && before[i] <= 0x4f && before[i + 1] === 0xff ? i + 1 : -1;
    if (opAt >= 0 && opAt + 1 < 7 && ((before[opAt + 1] >> 3) & 7) === 2) return true;
  }
  return false;
}

function followsSyscall(m: MachineView, ret: bigint): boolean {
  const b = m.readVirtual((ret - 2n) & MASK64, 2);
  return b !== null && b[0] === 0x0f && b[1] === 0x05;
}

export function walkStack(
  m: MachineView, rip: bigint, rsp: bigint, isCode: (a: bigint) => boolean, maxFrames = MAX_FRAMES,
  trap?: TrapFrameLayout,
): WalkedFrame[] {
  const frames: WalkedFrame[] = [];
  let pc = rip;
  let sp = rsp;
  for (let n = 0; n < maxFrames; n++) {
    let ret = 0n;
    let slot: bigint | undefined;
    let trapFrame: bigint | undefined;
    for (let off = 0n; off < BigInt(SCAN_BYTES); off += 8n) {
      const v = qword(m, sp + off);
      if (v === undefined) break;
      if (v === 0n || !isCode(v)) continue;
      if (followsCall(m, v)) {
        ret = v;
        slot = sp + off;
        break;
      }
      if (trap && followsSyscall(m, v)) {
        const frame = sp + off - BigInt(trap.rip);
        const cs = qword(m, frame + BigInt(trap.segCs));
        if (cs !== undefined && (cs & 3n) === 3n) {
          ret = v;
          slot = sp + off;
          trapFrame = frame;
          break;
        }
      }
    }
    const args = [8n, 16n, 24n, 32n].map((o) => (slot !== undefined ? qword(m, slot + o) : qword(m, sp + o)) ?? 0n) as [bigint, bigint, bigint, bigint];
    frames.push({ childSp: sp, pc, retAddr: ret, args, trapFrame });
    if (slot === undefined) break;
    pc = ret;
    sp = trapFrame !== undefined ? (qword(m, trapFrame + BigInt(trap!.rsp)) ?? 0n) : (slot + 8n) & MASK64;
  }
  return frames;
}
