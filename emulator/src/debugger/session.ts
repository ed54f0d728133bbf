// A kd session over the modeled kernel: the prompt, the transcript, the breakpoint table, and the
// run control that turns the kernel's reports into kd's event output. The debugger learns of an
// event only from `kernel.resume()`, i.e. when the guest's own handler code reaches the kernel's
// debugger-report hook (as Windows' KiBreakpointTrap -> KiExceptionDispatch -> KdpTrap does); it
// never watches the CPU execute 0xCC. Deterministic: no clock, no randomness.

import { BreakpointTable } from './breakpoints.ts';
import './commands/core.ts';
import { cppEvaluator, findCommand } from './commands/registry.ts';
import { runOneCommand } from './dispatch.ts';
import { loadFullCommandSet } from '#kd-command-set';
import { ContextOverride } from './context.ts';
import { EventFilters } from './event-filters.ts';
import { BREAKPOINT, SINGLE_STEP, describeStop } from './stop-report.ts';
import { goSteps, processorBreakpointHit, stepOnce, type GoOptions } from './run-control.ts';
import { disassembleAt, memoryAnnotation } from './disasm.ts';
import { CaretError, LoopSignal, PlainError } from './errors.ts';
import { ExprError, evaluatePrefix, type ExprContext } from './expr.ts';
import * as fmt from './format/core.ts';
import { RegisterAccess } from './registers.ts';
import { splitCommands } from './split.ts';
import { pseudoRegister } from './pseudo.ts';
import { sharedUserDataAddress, sharedUserDataName } from './shared-user-data.ts';
import { walkStack } from './stack.ts';
import type { Mark } from './time-travel-marks.ts';
import { chooseBranch, isJ } from './conditional.ts';
import type { KernelOptions, KernelStop, KernelView, MachineView } from './target.ts';
import { bootWindows } from '../windows/index.ts';
import { pickMachineOptions } from '../windows/options.ts';

export { splitCommands };

export const PROMPT = '0: kd> ';
/** Instructions per `g` before kd gives control back (overridable with `budget`). */
export const DEFAULT_BUDGET = 2_000_000;
/** Instructions per slice of a `g`: between slices a run yields (see `RunSteps`) and checks for a
 *  break-in request. The same slices whether driven by `exec` or `execAsync`, so both print the
 *  same bytes. */
export const SLICE = 50_000;
/** Steps of history a session keeps for time travel (t-, p-, g-, !tt) unless told otherwise. */
export const DEFAULT_HISTORY = 1_000_000;

export type { ExecAsyncOptions, ExecResult, KdSessionOptions, RunSteps, SessionEvent, StopInfo } from './session-types.ts';
import type { ExecAsyncOptions, ExecResult, KdSessionOptions, RunSteps, SessionEvent, StopInfo } from './session-types.ts';

export class KdSession {
  kernel: KernelView;
  readonly options: KdSessionOptions;
  readonly breakpoints = new BreakpointTable();
  /** sx: what kd does with exceptions it did not cause (event-filters.ts). */
  readonly filters = new EventFilters();
  readonly registers: RegisterAccess;
  readonly events: SessionEvent[] = [];
  budget: number;
  /** The last bug check the target raised (for `.bugcheck`, `!analyze`). */
  bugcheck: fmt.BugCheck | null = null;
  /** The target cannot run any more (bug check, triple fault, process gone) until `.reboot`. */
  halted: string | null = null;
  ended = false;
  /** Where a bare `u` / `d*` continues. */
  nextUnassemble: bigint | null = null;
  nextDump: { address: bigint; command: string } | null = null;
  /** How many `.for` / `.while` bodies are running (where `.break` / `.continue` apply). */
  loopDepth = 0;
  /** Set by `.cls`: a console clears what it shows before this line's output. */
  clearRequested = false;
  /** `$exp`: the value of the last expression `?` evaluated. */
  lastExpression = 0n;
  private readonly log: string[] = [];
  private contextOverride: ContextOverride | null = null;
  private lastStop: StopInfo | null = null;
  /** Stops kd made, for exact returns by the reverse commands (time-travel.ts). */
  readonly marks: Mark[] = [];
  /** The furthest time-travel position reached (`!tt 100`). */
  furthest = 0;
  /** Breakpoint ids in DR0..DR3 when the target last ran (run-control.ts). */
  drSlots: number[] = [];
  /** The command running now (events record it). */
  currentCommand = '';
  /** The break-in poll of the `execAsync` call in progress. */
  stopPoll: (() => boolean) | null = null;

  constructor(options: KdSessionOptions = {}) {
    this.options = options;
    this.budget = options.budget ?? DEFAULT_BUDGET;
    if (!options.kernel && !options.boot) this.options = { ...options, boot: bootKernel };
    this.kernel = options.kernel ?? this.options.boot!(options);
    this.enableHistory();
    this.registers = new RegisterAccess(() => this.view, (name) => pseudoRegister(this, name));
  }

  private enableHistory(): void {
    const steps = this.options.history ?? 0;
    if (steps > 0) this.kernel.history?.enable(steps);
  }

  get machine(): MachineView {
    return this.kernel.machine;
  }

  /** The register context kd displays: the machine's, or the one `.trap` / `.cxr` set (memory
   *  is always the machine's). Any resume of the target resets it, as kd does. */
  get view(): MachineView {
    return this.contextOverride ? this.contextOverride.view(this.machine) : this.machine;
  }

  /** Whether `.trap` / `.cxr` has set a register context. */
  get hasContext(): boolean {
    return this.contextOverride !== null;
  }

  /** Sets (or with null resets) the register context, e.g. from a `_KTRAP_FRAME`. */
  setContext(registers: Record<string, bigint> | null, segments: Record<string, number> = {}): void {
    this.contextOverride = registers ? new ContextOverride(registers, segments) : null;
    this.nextUnassemble = null;
  }

  get prompt(): string {
    return PROMPT;
  }

  /** Runs one input line (commands separated by `;`) and records it in the transcript. */
  exec(line: string): ExecResult {
    return runToEnd(this.execSteps(line));
  }

  /**
   * `exec` for a page's main thread: the same commands, run in the same slices, with the same
   * output, but awaiting `options.yield()` between slices of a long run; `options.shouldStop`
   * returning true breaks into the target. One call at a time.
   */
  async execAsync(line: string, options: ExecAsyncOptions): Promise<ExecResult> {
    if (options.commandSet !== 'core' || !coreCovers(line)) await loadFullCommandSet();
    const steps = this.execSteps(line);
    this.stopPoll = options.shouldStop ?? null;
    try {
      for (;;) {
        const r = steps.next();
        if (r.done) return r.value;
        await options.yield();
      }
    } finally {
      this.stopPoll = null;
    }
  }

  private *execSteps(line: string): Generator<void, ExecResult, void> {
    if (this.ended) return { output: '', prompt: '' };
    const before = this.events.length;
    this.clearRequested = false;
    const output = yield* this.runLine(line, PROMPT.length);
    const stop = this.events.length > before ? this.events[this.events.length - 1] : undefined;
    this.log.push(PROMPT + line);
    if (output !== '') this.log.push(output);
    return { output, prompt: this.ended ? '' : PROMPT, stop, ...(this.clearRequested ? { cleared: true } : {}) };
  }

  /** Runs the commands of a line (`;`-separated; braces and parentheses keep theirs), as typed at
   *  `column` of the echoed line; `.if`, `.for` and `.block` run their bodies through it. */
  *runLine(line: string, column: number): RunSteps {
    const outputs: string[] = [];
    for (const { text, offset } of splitCommands(line)) {
      if (this.ended) break;
      const out = yield* this.runOne(text, column + offset);
      if (out !== '') outputs.push(out);
    }
    return outputs.join('\n');
  }

  transcript(): string {
    return this.log.join('\n') + (this.log.length ? '\n' : '');
  }

  /** The last thing the target reported (null before the first resume). */
  get lastEvent(): StopInfo | null {
    return this.lastStop;
  }

  /**
   * A breakpoint's command string (`bp Address "cmd; cmd"`), run after it is hit by `g`: each
   * command's output in order. A final `g` or `gc` is not run here: `resume` says the caller
   * should continue the target (kd's go, without nesting one run inside another).
   */
  *breakpointCommands(commands: string): Generator<void, { output: string; resume: boolean }, void> {
    let parts = splitCommands(commands).map((c) => c.text.trim()).filter((c) => c !== '');
    // A `j` (last, as it owns the rest of the string) is decided here, so that the branch it
    // picks can end in `gc`.
    while (parts.length && isJ(parts[parts.length - 1])) {
      const branch = chooseBranch(this, parts[parts.length - 1].replace(/^\s*j/i, ''));
      parts = [...parts.slice(0, -1), ...splitCommands(branch).map((c) => c.text.trim()).filter((c) => c !== '')];
    }
    let resume = false;
    if (parts.length && /^g[c]?$/i.test(parts[parts.length - 1])) { parts.pop(); resume = true; }
    const outs: string[] = [];
    for (const p of parts) {
      const out = yield* this.runOne(p, 0);
      if (out !== '') outs.push(out);
    }
    return { output: outs.join('\n'), resume };
  }

  /** Runs commands (`;`-separated) one after the other, as if typed; their outputs joined. */
  *runCommands(commands: string): RunSteps {
    const outs: string[] = [];
    for (const { text } of splitCommands(commands)) {
      const out = yield* this.runOne(text, 0);
      if (out !== '') outs.push(out);
    }
    return outs.join('\n');
  }

  private *runOne(text: string, column: number): RunSteps {
    return yield* runOneCommand(this, text, column);
  }

  // --- expressions --------------------------------------------------------------------------

  readonly exprContext: ExprContext = {
    register: (name) => this.registers.get(name),
    symbol: (name) => this.kernel.symbols.resolve(name) ?? sharedUserDataAddress(name),
    read: (a, n) => this.machine.readVirtual(a, n),
    // The C++ evaluator comes with the full command set (@@c++ is not a lab's business).
    cpp: (text) => {
      const cpp = cppEvaluator();
      if (!cpp) throw new ExprError('syntax', text, 0);
      return cpp(this, text);
    },
  };

  /** Evaluates the expression at the start of `text`; returns the value and the rest. */
  evalPrefix(text: string): { value: bigint; rest: string; used: number } {
    const r = evaluatePrefix(text, this.exprContext);
    return { value: r.value, rest: text.slice(r.end), used: r.end };
  }

  /** Processor 0's KPCR: from the kernel, else whichever of GS base / KERNEL_GS_BASE is a
   *  kernel-space address (they are swapped by SWAPGS, SDM Vol. 2B "SWAPGS"). */
  kpcr(): bigint {
    if (this.kernel.kpcr !== undefined) return this.kernel.kpcr;
    const gs = this.machine.readMsr(0xc0000101);
    return gs >> 63n ? gs : this.machine.readMsr(0xc0000102);
  }

  readQword(a: bigint): bigint | undefined {
    const b = this.machine.readVirtual(a, 8);
    if (!b) return undefined;
    let v = 0n;
    for (let i = 7; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
    return v;
  }

  // --- symbols and disassembly ----------------------------------------------------------------

  symbolize(address: bigint): string | undefined {
    const near = this.kernel.symbols.nearest(address);
    if (!near) return sharedUserDataName(address);
    return fmt.symbolWithOffset(near.name, address - near.address);
  }

  isCode(address: bigint): boolean {
    return this.kernel.symbols.modules.some((m) => address >= m.base && address < m.base + m.size);
  }

  disassemble(address: bigint) {
    return disassembleAt(this.machine, address, (a) => this.symbolize(a));
  }

  /** The symbol line and instruction line kd prints for the current rip (with the memory
   *  operand annotation). */
  currentLocation(): string {
    const rip = this.view.getReg('rip');
    const d = this.disassemble(rip);
    const sym = this.symbolize(rip);
    const line = d.ins ? d.line + memoryAnnotation(this.view, d.ins) : d.line;
    return sym ? `${sym}:\n${line}` : line;
  }

  walk(max?: number) {
    return walkStackFor(this, max);
  }

  // --- run control ------------------------------------------------------------------------------

  /**
   * Resumes the target: steps off a breakpoint the target is stopped on, plants the breakpoints,
   * runs up to the budget in slices, takes the breakpoints out again, and prints the event.
   */
  go(options: { tempAt?: bigint; showRegisters?: boolean } = {}): string {
    return runToEnd(this.goSteps(options));
  }

  /** `go` as a run that yields after each slice (run-control.ts). */
  *goSteps(options: GoOptions = {}): RunSteps {
    return yield* goSteps(this, options);
  }

  /** One instruction through the kernel's single-step path (TF set, #DB reported). */
  step(): string {
    return stepOnce(this);
  }

  /** Records a stop made without running the target (time travel). */
  recordStop(info: StopInfo, command: string): void {
    this.halted = null; // back before a bug check or exit, the target runs again
    this.bugcheck = null;
    this.setContext(null); // as any move of the target does, travel resets .trap / .cxr
    this.lastStop = info;
    this.events.push({ ...info, command });
    this.nextUnassemble = null;
  }

  /** Turns a kernel stop into kd's output (stop-report.ts), and records it. */
  report(stop: KernelStop, how: 'g' | 't', ran = 0): string {
    const d = describeStop(this, stop, how, ran, () => processorBreakpointHit(this));
    if (d.bugcheck) this.bugcheck = d.bugcheck;
    if (d.halted) this.halted = d.halted;
    const info = d.info;
    this.lastStop = info;
    this.contextOverride = null;
    this.events.push({ ...info, command: this.currentCommand });
    this.nextUnassemble = null;
    const h = this.kernel.history;
    if (h?.enabled) this.furthest = Math.max(this.furthest, h.position);
    return d.text;
  }

  registerFile(): fmt.RegisterFile {
    const m = this.view;
    const g = (n: string) => m.getReg(n);
    const s = (n: string) => m.getSeg(n).selector;
    return {
      rax: g('rax'), rbx: g('rbx'), rcx: g('rcx'), rdx: g('rdx'), rsi: g('rsi'), rdi: g('rdi'),
      rip: g('rip'), rsp: g('rsp'), rbp: g('rbp'),
      r8: g('r8'), r9: g('r9'), r10: g('r10'), r11: g('r11'), r12: g('r12'), r13: g('r13'), r14: g('r14'), r15: g('r15'),
      efl: g('rflags') & 0xffffffffn,
      cs: s('cs'), ss: s('ss'), ds: s('ds'), es: s('es'), fs: s('fs'), gs: s('gs'),
    };
  }

  /** `.reboot`: a fresh kernel with the same options; breakpoints are kept (as kd keeps them). */
  reboot(): string {
    if (!this.options.boot) return 'This session was attached to a kernel it cannot restart.';
    this.kernel = this.options.boot(this.options);
    this.enableHistory();
    this.marks.length = 0;
    this.furthest = 0;
    this.bugcheck = null;
    this.halted = null;
    this.contextOverride = null;
    this.lastStop = null;
    this.nextUnassemble = null;
    this.nextDump = null;
    return 'Shutdown occurred...unloading all symbol tables.\nWaiting to reconnect...\nKernel Debugger connection established.';
  }
}

/** Boots the modeled Windows kernel with the session's mitigation options. */
export function bootKernel(o: KernelOptions): KernelView {
  return bootWindows(pickMachineOptions(o)) as unknown as KernelView;
}

/** Whether the families registered now run every command of the line (none unknown, and no
 *  quoted breakpoint command string, whose commands run later). */
function coreCovers(line: string): boolean {
  if (line.includes('"')) return false;
  return splitCommands(line).every(({ text }) => {
    const t = text.trim();
    return t === '' || findCommand(t) !== undefined;
  });
}

/** Drives a run to its end without pausing (a generator's yields are only pause points). */
export function runToEnd<T>(steps: Generator<void, T, void>): T {
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
  }
}

export { BREAKPOINT, SINGLE_STEP };

function walkStackFor(s: KdSession, max?: number) {
  const m = s.view;
  const tf = s.kernel.structs._KTRAP_FRAME?.fields;
  const at = (name: string) => tf?.find((f) => f.name === name)?.offset;
  const rip = at('Rip'), rsp = at('Rsp'), segCs = at('SegCs');
  const layout = rip !== undefined && rsp !== undefined && segCs !== undefined ? { rip, rsp, segCs } : undefined;
  return walkStack(m, m.getReg('rip'), m.getReg('rsp'), (a) => s.isCode(a), max, layout);
}
