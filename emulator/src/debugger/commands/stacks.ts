// Stacks, trap frames and crash analysis: k, kb, .bugcheck, !analyze.

import * as fmt from '../format.ts';
import type { KdSession } from '../session.ts';
import { oneValue } from './args.ts';
import { family, type CommandContext } from './command.ts';

function stackCommand(withArgs: boolean) {
  return (s: KdSession, args: string, ctx: CommandContext): string => {
    let max = 32;
    const a = args.trim().replace(/^l\s*/i, '');
    if (a !== '') max = Math.max(1, Math.min(0x100, Number(oneValue(s, a, ctx))));
    const frames = s.walk(max).map((f) => ({
      childSp: f.childSp, retAddr: f.retAddr, args: f.args,
      callSite: (s.symbolize(f.pc) ?? `0x${fmt.addr64(f.pc)}`) + (f.trapFrame !== undefined ? ` (TrapFrame @ ${fmt.addr64(f.trapFrame)})` : ''),
    }));
    return fmt.stackTrace(frames, withArgs);
  };
}

function bugcheckCommand(s: KdSession): string {
  return fmt.bugCheckSummary(s.bugcheck ?? { code: 0, args: [0n, 0n, 0n, 0n] });
}

function analyze(s: KdSession, args: string): string {
  if (!s.bugcheck) {
    return 'No bug check has occurred on this target; !analyze needs a crashed system (see .bugcheck).';
  }
  const bc = s.bugcheck;
  const frames = s.walk(16);
  if (args.trim() === '-v') {
    const stack = frames.map((f) => `${fmt.addr64(f.childSp)} ${fmt.addr64(f.retAddr)}     : ${f.args.map(fmt.addr64).join(' ')} : ${s.symbolize(f.pc) ?? `0x${fmt.addr64(f.pc)}`}`);
    // The failing code is the first frame that is not the bug-check machinery itself.
    // SYMBOL_NAME is `module!function+offset` with the offset in bare hex.
    const culprit = frames
      .map((f) => ({ f, near: s.kernel.symbols.nearest(f.pc) }))
      .find(({ near }) => near && !/KeBugCheck|DbgBreakPoint/.test(near.name));
    const symbol = culprit?.near ? `${culprit.near.name}${culprit.f.pc === culprit.near.address ? '' : `+${(culprit.f.pc - culprit.near.address).toString(16)}`}` : undefined;
    return fmt.analyzeReport(bc, { stack, symbol, bucketSymbol: culprit?.near?.name });
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

export const STACK_COMMANDS = family('stacks', [
  { name: 'k', syntax: 'k [Count]', help: 'stack backtrace', handler: stackCommand(false) },
  { name: 'kb', syntax: 'kb [Count]', help: 'stack backtrace with the first four stack arguments', handler: stackCommand(true) },
  { name: '.bugcheck', syntax: '.bugcheck', help: 'bug check code and arguments', handler: (s) => bugcheckCommand(s) },
  { name: '!analyze', syntax: '!analyze [-v]', help: 'analyse the bug check', handler: (s, a) => analyze(s, a) },
]);
