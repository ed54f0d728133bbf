// !analyze: the bug check's name, description and arguments, and with -v the trap frame the fault
// was taken with (TRAP_FRAME, shown as .trap shows it), the faulting instruction (FAULTING_IP:
// the trap frame's rip), the stack and the failure bucket. Layout: Microsoft's "!analyze" page and
// public !analyze -v transcripts (cited in tests/unit/kd-stacks.test.ts).

import * as fmt from '../format.ts';
import { faultingIp, trapFrameLine, trapRegisterBlock } from '../format/stacks.ts';
import type { KdSession } from '../session.ts';
import { trapFrameContext } from './trap-context.ts';

/** The trap frame of the fault: the model's KiDoubleFaultAbort passes it as 7f's second argument
 *  (as Windows 10 x64 does); otherwise the first frame of the stack that returns through one. */
function faultTrapFrame(s: KdSession): bigint | undefined {
  const bc = s.bugcheck!;
  if (bc.code === 0x7f && bc.args[1] !== 0n && trapFrameContext(s, bc.args[1])) return bc.args[1];
  return s.walk(16).find((f) => f.trapFrame !== undefined)?.trapFrame;
}

function shortSymbol(s: KdSession, pc: bigint): string | undefined {
  const near = s.kernel.symbols.nearest(pc);
  if (!near) return undefined;
  return `${near.name}${pc === near.address ? '' : `+${(pc - near.address).toString(16)}`}`;
}

/** TRAP_FRAME (with the trap frame's registers, then back to the default scope) and FAULTING_IP. */
function faultLines(s: KdSession, frame: bigint): string[] {
  const read = trapFrameContext(s, frame)!;
  s.setContext(read.registers, read.segments);
  let block: string;
  try {
    block = `${trapRegisterBlock(s.registerFile(), true)}\n${s.currentLocation()}`;
  } finally {
    s.setContext(null);
  }
  const rip = read.registers.rip;
  return [
    trapFrameLine(frame), block, 'Resetting default scope', '',
    ...faultingIp(shortSymbol(s, rip), s.disassemble(rip).line), '',
  ];
}

export function analyze(s: KdSession, args: string): string {
  if (!s.bugcheck) {
    return 'No bug check has occurred on this target; !analyze needs a crashed system (see .bugcheck).';
  }
  const bc = s.bugcheck;
  if (args.trim() === '-v') {
    const frames = s.walk(16);
    const stack = frames.map((f) => `${fmt.addr64(f.childSp)} ${fmt.addr64(f.retAddr)}     : ${f.args.map(fmt.addr64).join(' ')} : ${s.symbolize(f.pc) ?? `0x${fmt.addr64(f.pc)}`}`);
    // The failing code is the first frame that is not the bug-check machinery itself.
    // SYMBOL_NAME is `module!function+offset` with the offset in bare hex.
    const culprit = frames
      .map((f) => ({ f, near: s.kernel.symbols.nearest(f.pc) }))
      .find(({ near }) => near && !/KeBugCheck|DbgBreakPoint/.test(near.name));
    const symbol = culprit ? shortSymbol(s, culprit.f.pc) : undefined;
    const frame = faultTrapFrame(s);
    const fault = frame !== undefined ? faultLines(s, frame) : undefined;
    return fmt.analyzeReport(bc, { stack, symbol, bucketSymbol: culprit?.near?.name, fault });
  }
  const stars = '*'.repeat(79);
  const blank = `*${' '.repeat(77)}*`;
  return [
    stars, blank, `*${' '.repeat(24)}Bugcheck Analysis${' '.repeat(36)}*`, blank, stars, '',
    'Use !analyze -v to get detailed debugging information.', '',
    `BugCheck ${bc.code.toString(16).toUpperCase()}, {${bc.args.map((a) => a.toString(16)).join(', ')}}`, '',
    'Followup:     MachineOwner',
    '---------',
  ].join('\n');
}
