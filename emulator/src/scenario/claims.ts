// Claims: what an author says a scenario does, checked against what the emulator did. A claim is
// the only outcome text an author writes; the build fails when the trace disagrees with it.
//
// Written form (the `claim="..."` of a ```windbg run block), clauses separated by `;`:
//   break [at <expr>]             kd stopped at a breakpoint (at the address <expr> names)
//   break <n> [at <expr>]         ... at breakpoint number n
//   step at <expr>                a t/p step ended at <expr>
//   bugcheck <code> [<arg1> ...]  KeBugCheckEx with that code (and leading arguments), hex as in kd
//   triple-fault | budget | exited | break-in | none
//   <expr> == <expr>, <expr> != <expr>   kd expressions (MASM syntax) on the final machine
// Numbers of `bugcheck` are hexadecimal, as kd prints them (`0x7f`, `7f` and `7Fh` are the same).

import { hex64, kdAddress, type OutcomeKind, type Trace } from './trace.ts';

export type OutcomeClaim =
  | { outcome: 'break'; at?: string; breakpoint?: number }
  | { outcome: 'step'; at?: string }
  | { outcome: 'bugcheck'; code?: number; args?: Array<number | bigint | string> }
  | { outcome: 'triple-fault' | 'budget' | 'exited' | 'break-in' | 'none' };

/** Two kd expressions compared on the final machine; `reg` is shorthand for `@reg`. */
export type ExprClaim =
  | { expr: string; equals: string }
  | { expr: string; notEquals: string }
  | { reg: string; equals: string }
  | { reg: string; notEquals: string };

export type Claim = OutcomeClaim | ExprClaim | Claim[];

export interface ClaimResult {
  ok: boolean;
  message: string;
}

export class ClaimSyntaxError extends Error {
  constructor(text: string, why: string) {
    super(`Cannot read the claim "${text}": ${why}. Write e.g. "break at nt!KiSystemCall64+0x15", "bugcheck 0x7f 8" or "@rsp == poi(@$prcb+28)".`);
    this.name = 'ClaimSyntaxError';
  }
}

const BARE_OUTCOMES = new Set(['triple-fault', 'budget', 'exited', 'break-in', 'none']);

function parseHex(word: string, text: string): bigint {
  const m = /^(?:0x)?([0-9a-f`]+)h?$/i.exec(word);
  if (!m) throw new ClaimSyntaxError(text, `"${word}" is not a hexadecimal number`);
  return BigInt('0x' + m[1].replace(/`/g, ''));
}

/** Reads the written form of a claim (see the header). */
export function parseClaim(text: string): Claim {
  const clauses = text.split(';').map((c) => c.trim()).filter((c) => c !== '');
  if (clauses.length === 0) throw new ClaimSyntaxError(text, 'it is empty');
  const parsed = clauses.map((c) => parseClause(c, text));
  return parsed.length === 1 ? parsed[0] : parsed;
}

function parseClause(clause: string, text: string): Claim {
  const cmp = /^(.+?)\s*(==|!=)\s*(.+)$/.exec(clause);
  if (cmp) {
    return cmp[2] === '==' ? { expr: cmp[1], equals: cmp[3] } : { expr: cmp[1], notEquals: cmp[3] };
  }
  const words = clause.split(/\s+/);
  const head = words[0].toLowerCase();
  if (BARE_OUTCOMES.has(head)) {
    if (words.length > 1) throw new ClaimSyntaxError(text, `"${head}" takes nothing after it`);
    return { outcome: head as 'none' };
  }
  if (head === 'break' || head === 'step') {
    let rest = words.slice(1);
    let breakpoint: number | undefined;
    if (head === 'break' && rest.length && /^\d+$/.test(rest[0])) {
      breakpoint = Number(rest[0]);
      rest = rest.slice(1);
    }
    let at: string | undefined;
    if (rest.length) {
      if (rest[0].toLowerCase() !== 'at' || rest.length < 2) throw new ClaimSyntaxError(text, `expected "at <address>" after "${head}"`);
      at = rest.slice(1).join(' ');
    }
    if (head === 'step') {
      if (!at) throw new ClaimSyntaxError(text, '"step" needs "at <address>"');
      return { outcome: 'step', at };
    }
    return { outcome: 'break', ...(at ? { at } : {}), ...(breakpoint !== undefined ? { breakpoint } : {}) };
  }
  if (head === 'bugcheck') {
    if (words.length < 2) return { outcome: 'bugcheck' };
    const code = Number(parseHex(words[1], text));
    const args = words.slice(2).map((w) => parseHex(w, text));
    return { outcome: 'bugcheck', code, ...(args.length ? { args } : {}) };
  }
  throw new ClaimSyntaxError(text, `"${words[0]}" is not an outcome (break, step, bugcheck, triple-fault, budget, exited, break-in, none) nor a comparison`);
}

function flatten(claim: Claim): Array<OutcomeClaim | ExprClaim> {
  return Array.isArray(claim) ? claim.flatMap(flatten) : [claim];
}

function exprOf(c: ExprClaim): { left: string; right: string; equal: boolean } {
  const left = 'reg' in c ? `@${c.reg.replace(/^@/, '')}` : c.expr;
  return 'equals' in c ? { left, right: c.equals, equal: true } : { left, right: c.notEquals, equal: false };
}

/** The kd expressions a claim needs evaluated on the final machine (run.ts evaluates them). */
export function claimExpressions(claim: Claim): string[] {
  const out: string[] = [];
  for (const c of flatten(claim)) {
    if ('outcome' in c) {
      if ((c.outcome === 'break' || c.outcome === 'step') && c.at) out.push(c.at);
    } else {
      const { left, right } = exprOf(c);
      out.push(left, right);
    }
  }
  return [...new Set(out)];
}

function argText(v: number | bigint | string): string {
  const b = typeof v === 'string' ? parseHex(v, v) : BigInt(v);
  return '0x' + b.toString(16);
}

/** The written form of a claim, for messages. */
export function describeClaim(claim: Claim): string {
  return flatten(claim).map((c) => {
    if (!('outcome' in c)) {
      const { left, right, equal } = exprOf(c);
      return `${left} ${equal ? '==' : '!='} ${right}`;
    }
    if (c.outcome === 'break') return ['break', c.breakpoint, c.at ? `at ${c.at}` : undefined].filter((x) => x !== undefined).join(' ');
    if (c.outcome === 'step') return `step at ${c.at}`;
    if (c.outcome === 'bugcheck') {
      return ['bugcheck', c.code !== undefined ? '0x' + c.code.toString(16) : undefined, ...(c.args ?? []).map(argText)].filter(Boolean).join(' ');
    }
    return c.outcome;
  }).join('; ');
}

/** The outcome in the claim language, e.g. `bugcheck 0x7f 0x8 0x0 0x0 0x0 (at nt!KeBugCheckEx)`. */
export function describeOutcome(trace: Trace): string {
  const o = trace.outcome;
  const where = o.at ?? (o.address ? kdAddress(o.address) : undefined);
  switch (o.kind) {
    case 'bugcheck':
      return `bugcheck 0x${(o.code ?? 0).toString(16)} ${(o.args ?? []).map((a) => '0x' + BigInt('0x' + a).toString(16)).join(' ')}`.trim() + (where ? ` (at ${where})` : '');
    case 'break':
      return `break${o.breakpoint !== undefined ? ` ${o.breakpoint}` : ''}${where ? ` at ${where}` : ''}`;
    case 'step':
    case 'break-in':
      return `${o.kind}${where ? ` at ${where}` : ''}`;
    default:
      return o.kind;
  }
}

function sameAddress(trace: Trace, expression: string): { ok: boolean; expected: string } {
  const value = trace.evaluations[expression];
  const actual = trace.outcome.address;
  if (value !== undefined && /^[0-9a-f]{16}$/.test(value)) {
    return { ok: actual === value, expected: `${expression} (${kdAddress(value)})` };
  }
  if (value !== undefined) return { ok: false, expected: `${expression} (${value})` };
  // Not evaluated on the machine (a claim checked after the fact): compare kd's spelling.
  return { ok: normalizeSymbol(trace.outcome.at ?? '') === normalizeSymbol(expression), expected: expression };
}

/** `nt!Foo+15h`, `nt!Foo+0x15` and `NT!foo+0x015` name the same place. */
export function normalizeSymbol(s: string): string {
  const m = /^(.*?)(?:\+(?:0x)?([0-9a-f`]+)(h?))?$/i.exec(s.trim());
  if (!m) return s.trim().toLowerCase();
  const off = m[2] ? BigInt('0x' + m[2].replace(/`/g, '')) : 0n;
  return m[1].toLowerCase() + (off ? '+0x' + off.toString(16) : '');
}

/** Checks one claim against a trace; the message says why, in terms a chapter author can act on. */
export function checkClaim(trace: Trace, claim: Claim): ClaimResult {
  const failures: string[] = [];
  for (const c of flatten(claim)) {
    if (!('outcome' in c)) {
      const { left, right, equal } = exprOf(c);
      const l = trace.evaluations[left];
      const r = trace.evaluations[right];
      if (l === undefined || r === undefined) {
        failures.push(`${left} / ${right} were not evaluated during the run (pass the claim to runScenario)`);
      } else if (!/^[0-9a-f]{16}$/.test(l) || !/^[0-9a-f]{16}$/.test(r)) {
        failures.push(`${left} ${equal ? '==' : '!='} ${right}: cannot evaluate (${!/^[0-9a-f]{16}$/.test(l) ? l : r})`);
      } else if ((l === r) !== equal) {
        failures.push(`${left} is ${kdAddress(l)}, ${right} is ${kdAddress(r)}`);
      }
      continue;
    }
    const kind: OutcomeKind = trace.outcome.kind;
    if (kind !== c.outcome) {
      failures.push(`expected ${describeClaim(c)}`);
      continue;
    }
    if ((c.outcome === 'break' || c.outcome === 'step') && c.at) {
      const s = sameAddress(trace, c.at);
      if (!s.ok) failures.push(`expected the stop at ${s.expected}`);
    }
    if (c.outcome === 'break' && c.breakpoint !== undefined && trace.outcome.breakpoint !== c.breakpoint) {
      failures.push(`expected breakpoint ${c.breakpoint}`);
    }
    if (c.outcome === 'bugcheck') {
      if (c.code !== undefined && trace.outcome.code !== c.code) failures.push(`expected bug check code 0x${c.code.toString(16)}`);
      (c.args ?? []).forEach((a, i) => {
        const want = hex64(typeof a === 'string' ? parseHex(a, a) : BigInt(a));
        if (trace.outcome.args?.[i] !== want) failures.push(`expected argument ${i + 1} to be ${argText(a)}`);
      });
    }
  }
  if (failures.length === 0) return { ok: true, message: `Scenario "${trace.id}": ${describeClaim(claim)} holds.` };
  return { ok: false, message: failureMessage(trace, claim, failures) };
}

/** How many transcript lines a failure quotes. */
const TAIL_LINES = 12;

function failureMessage(trace: Trace, claim: Claim, failures: string[]): string {
  const opts = Object.entries(trace.options).filter(([, v]) => v !== undefined).map(([k, v]) => `${k}=${v ? 'on' : 'off'}`).join(', ');
  // The last command with the end of its output (blank lines dropped), and the commands before it.
  const last = trace.transcript.at(-1);
  const earlier = trace.transcript.slice(0, -1).slice(-3).map((t) => t.prompt + t.command);
  const out = (last?.output ?? '').split('\n').filter((l) => l.trim() !== '');
  const cut = out.length > TAIL_LINES;
  const lines = last ? [...earlier, last.prompt + last.command, ...(cut ? ['...'] : []), ...out.slice(-TAIL_LINES)] : ['(no commands ran)'];
  const tail = lines.map((l) => `    ${l}`);
  return [
    `Scenario "${trace.id}"${opts ? ` (${opts})` : ''}: the claim "${describeClaim(claim)}" does not hold.`,
    ...failures.map((f) => `  - ${f}`),
    `  actual outcome: ${describeOutcome(trace)}`,
    `  last lines of the transcript:`,
    ...tail,
  ].join('\n');
}
