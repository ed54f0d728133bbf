// wt (Trace and Watch Data), as Microsoft's "wt (Trace and Watch Data)" page lays it out: at the
// start of a function, single-step it to its return address and print each stretch of a function
// between calls and returns (`  105     0 [  0] MyModule!myFunction`: its own instructions so far,
// those of its callees so far, the call depth, the name indented two columns per level), the total
// (`N instructions were executed in N-1 events (0 from other threads)`), a table of every function
// with its invocations and the fewest, most and average instructions of one invocation (callees
// included), and the system calls. On a call instruction it traces the call to its return; anywhere
// else it steps one instruction, as p. The page says kernel-mode wt is x86-only in WinDbg; this kd
// traces the x64 model's code in either mode, each step through the kernel's own #DB path (kd's t).

import { CaretError } from '../errors.ts';
import * as fmt from '../format.ts';
import type { KdSession, RunSteps } from '../session.ts';
import { MASK64 } from './args.ts';
import { family, type CommandContext } from './command.ts';

/** Instructions wt runs at most before it stops and says so. */
const MAX_TRACE = 0x10000;

interface Frame { name: string; own: number; children: number }
interface Stats { calls: number; min: number; max: number; total: number }

function functionName(s: KdSession, address: bigint): string {
  return s.kernel.symbols.nearest(address)?.name ?? `0x${fmt.addr64(address)}`;
}

const row = (own: number, children: number, depth: number, name: string) =>
  `${String(own).padStart(5)} ${String(children).padStart(5)} [${String(depth).padStart(3)}] ${'  '.repeat(depth)}${name}`;

function* watchTrace(s: KdSession, args: string, ctx: CommandContext): RunSteps {
  if (args.trim() !== '') throw new CaretError('Syntax error', ctx.argsOffset + 1);
  if (s.halted) return s.halted;
  const rip = s.machine.getReg('rip');
  const rsp0 = s.machine.getReg('rsp');
  const near = s.kernel.symbols.nearest(rip);
  const here = s.disassemble(rip);
  let target: bigint;
  let done: () => boolean;
  if (near && near.address === rip) {
    target = s.readQword(rsp0) ?? 0n;
    done = () => s.machine.getReg('rip') === target && s.machine.getReg('rsp') > rsp0;
  } else if (here.ins?.mnemonic === 'call') {
    target = (rip + BigInt(here.length)) & MASK64;
    done = () => s.machine.getReg('rip') === target && s.machine.getReg('rsp') === rsp0;
  } else {
    // Not at a function's start nor on a call: one step, as p.
    return yield* s.runCommands('p');
  }
  const lines = [`Tracing ${functionName(s, rip)} to return address ${fmt.addr64(target)}`, ''];
  const stack: Frame[] = [{ name: functionName(s, rip), own: 0, children: 0 }];
  const stats = new Map<string, Stats>();
  const syscalls = new Map<string, number>();
  const finish = (f: Frame) => {
    const all = f.own + f.children;
    const st = stats.get(f.name) ?? { calls: 0, min: Infinity, max: 0, total: 0 };
    st.calls++;
    st.min = Math.min(st.min, all);
    st.max = Math.max(st.max, all);
    st.total += all;
    stats.set(f.name, st);
  };
  let executed = 0;
  let stopped = '';
  let lastRow: Frame | null = null;
  while (!done()) {
    if (executed >= MAX_TRACE) { stopped = `wt stopped after ${executed} instructions (this kd traces at most ${MAX_TRACE}); the target stands here.`; break; }
    const at = s.machine.getReg('rip');
    const d = s.disassemble(at);
    const mnemonic = d.ins?.mnemonic ?? '';
    const top = stack[stack.length - 1];
    const out = s.step();
    executed++;
    top.own++;
    if (executed % 256 === 0) yield;
    const last = s.lastEvent;
    if (!last || last.kind !== 'step') { stopped = out; break; }
    if (mnemonic === 'syscall') syscalls.set(top.name, (syscalls.get(top.name) ?? 0) + 1);
    if (mnemonic === 'call') {
      lines.push(row(top.own, top.children, stack.length - 1, top.name));
      lastRow = top;
      stack.push({ name: functionName(s, s.machine.getReg('rip')), own: 0, children: 0 });
    } else if (/^(ret|retf)$/.test(mnemonic)) {
      lines.push(row(top.own, top.children, stack.length - 1, top.name));
      lastRow = top;
      if (stack.length === 1) break;
      stack.pop();
      finish(top);
      stack[stack.length - 1].children += top.own + top.children;
    }
  }
  // Traced from a call: the caller's stretch after the call returned ends the listing.
  if (!stopped && stack.length === 1 && lastRow !== stack[0]) lines.push(row(stack[0].own, stack[0].children, 0, stack[0].name));
  // Whatever is still open (the traced function returned, or the trace stopped) is counted too.
  for (let i = stack.length - 1; i >= 0; i--) {
    finish(stack[i]);
    if (i > 0) stack[i - 1].children += stack[i].own + stack[i].children;
  }
  const width = 44;
  lines.push(
    '',
    `${executed} instructions were executed in ${Math.max(0, executed - 1)} events (0 from other threads)`,
    '',
    `${'Function Name'.padEnd(width)}Invocations MinInst MaxInst AvgInst`,
    ...[...stats.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([name, st]) =>
      `${name.padEnd(width)}${String(st.calls).padStart(11)}${String(st.min).padStart(8)}${String(st.max).padStart(8)}${String(Math.round(st.total / st.calls)).padStart(8)}`),
    '',
    `${[...syscalls.values()].reduce((a, b) => a + b, 0)} system calls were executed`,
  );
  if (syscalls.size) lines.push('', 'Calls  System Call', ...[...syscalls.entries()].map(([n, c]) => `${String(c).padStart(5)}  ${n}`));
  if (stopped) lines.push('', stopped);
  else lines.push('', s.currentLocation());
  return lines.join('\n');
}

export const WATCH_COMMANDS = family('execution', [
  { name: 'wt', syntax: 'wt', help: 'trace and watch: run the function at rip (or the call there) to its return, step by step, with the instructions of each call and a summary', handler: watchTrace },
]);

