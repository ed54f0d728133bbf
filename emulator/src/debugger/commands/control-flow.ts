// Debugger command programs ("Using Debugger Command Programs", ".if", ".else", ".elsif",
// ".for", ".while", ".block", ".break", ".continue" in Microsoft's debugger reference): conditions
// are MASM expressions (non-zero is true), bodies are `{ ... }` with their own `;`-separated
// commands. A loop stops after MAX_ITERATIONS rounds and says so: kd has no such limit, this one
// keeps a typo from running forever.

import { CaretError, LoopSignal, PlainError } from '../errors.ts';
import { group } from '../split.ts';
import type { KdSession, RunSteps } from '../session.ts';
import type { CommandContext } from './command.ts';

export const MAX_ITERATIONS = 0x1000;
/** A loop whose body runs the target stops after this many target events (steps, breaks), so that
 *  `.while (1) { t }` is bounded like `t 100`. */
export const MAX_LOOP_EVENTS = 0x100;

/** A cursor over the command text, for the `(condition) { body }` grammar. */
class Cursor {
  i: number;
  readonly ctx: CommandContext;
  constructor(ctx: CommandContext) {
    this.ctx = ctx;
    this.i = ctx.argsOffset;
  }
  ws(): void { while (this.i < this.ctx.text.length && /\s/.test(this.ctx.text[this.i])) this.i++; }
  group(open: '(' | '{'): { inner: string; offset: number } {
    this.ws();
    const g = this.ctx.text[this.i] === open ? group(this.ctx.text, this.i) : undefined;
    if (!g) throw new CaretError('Syntax error', Math.min(this.i, this.ctx.text.length - 1));
    this.i = g.end;
    return { inner: g.inner, offset: g.innerOffset };
  }
  keyword(): string | undefined {
    this.ws();
    const m = /^\.[a-z]+/.exec(this.ctx.text.slice(this.i));
    if (m) this.i += m[0].length;
    return m?.[0];
  }
  atEnd(): boolean { this.ws(); return this.i >= this.ctx.text.length; }
}

function condition(s: KdSession, text: string): boolean {
  const r = s.evalPrefix(text);
  if (r.rest.trim() !== '') throw new PlainError(`Syntax error at '${r.rest.trim()}'`);
  return r.value !== 0n;
}

function* body(s: KdSession, ctx: CommandContext, b: { inner: string; offset: number }): RunSteps {
  return yield* s.runLine(b.inner, ctx.column + b.offset);
}

/** `.if (c) { ... } [.elsif (c) { ... }]* [.else { ... }]` */
export function* ifCommand(s: KdSession, _args: string, ctx: CommandContext): RunSteps {
  const c = new Cursor(ctx);
  const branches: Array<{ cond?: string; body: { inner: string; offset: number } }> = [];
  branches.push({ cond: c.group('(').inner, body: c.group('{') });
  while (!c.atEnd()) {
    const at = c.i;
    const k = c.keyword();
    if (k === '.elsif') branches.push({ cond: c.group('(').inner, body: c.group('{') });
    else if (k === '.else') { branches.push({ body: c.group('{') }); break; }
    else throw new CaretError('Syntax error', at);
  }
  if (!c.atEnd()) throw new CaretError('Syntax error', c.i);
  for (const b of branches) {
    if (b.cond === undefined || condition(s, b.cond)) return yield* body(s, ctx, b.body);
  }
  return '';
}

function* loop(s: KdSession, ctx: CommandContext, test: () => boolean, b: { inner: string; offset: number }, step?: () => RunSteps): RunSteps {
  const outs: string[] = [];
  let n = 0;
  const events = s.events.length;
  while (test()) {
    if (++n > MAX_ITERATIONS) {
      outs.push(`The loop stopped after ${MAX_ITERATIONS} rounds (this kd's limit for .for and .while).`);
      break;
    }
    if (s.events.length - events >= MAX_LOOP_EVENTS) {
      outs.push(`The loop stopped after ${MAX_LOOP_EVENTS} target events (this kd's limit for .for and .while).`);
      break;
    }
    s.loopDepth++;
    try {
      const out = yield* body(s, ctx, b);
      if (out !== '') outs.push(out);
    } catch (e) {
      if (!(e instanceof LoopSignal)) throw e;
      if (e.kind === 'break') break;
    } finally {
      s.loopDepth--;
    }
    if (step) {
      const out = yield* step();
      if (out !== '') outs.push(out);
    }
    if (s.ended || s.halted) break;
    yield;
  }
  return outs.join('\n');
}

/** `.for (init; condition; step) { ... }` */
export function* forCommand(s: KdSession, _args: string, ctx: CommandContext): RunSteps {
  const c = new Cursor(ctx);
  const head = c.group('(');
  const b = c.group('{');
  if (!c.atEnd()) throw new CaretError('Syntax error', c.i);
  const parts = head.inner.split(';');
  if (parts.length !== 3) throw new CaretError('Syntax error', head.offset);
  const [init, cond, step] = parts;
  const column = ctx.column + head.offset;
  const initOut = yield* s.runLine(init, column);
  const stepColumn = column + init.length + cond.length + 2;
  const out = yield* loop(s, ctx, () => condition(s, cond), b, () => s.runLine(step, stepColumn));
  return [initOut, out].filter((x) => x !== '').join('\n');
}

/** `.while (condition) { ... }` */
export function* whileCommand(s: KdSession, _args: string, ctx: CommandContext): RunSteps {
  const c = new Cursor(ctx);
  const cond = c.group('(').inner;
  const b = c.group('{');
  if (!c.atEnd()) throw new CaretError('Syntax error', c.i);
  return yield* loop(s, ctx, () => condition(s, cond), b);
}

/** `.block { ... }` */
export function* blockCommand(s: KdSession, _args: string, ctx: CommandContext): RunSteps {
  const c = new Cursor(ctx);
  const b = c.group('{');
  if (!c.atEnd()) throw new CaretError('Syntax error', c.i);
  return yield* body(s, ctx, b);
}
