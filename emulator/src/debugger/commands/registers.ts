// Registers: r (show, assign), rdmsr, wrmsr.

import { CaretError, PlainError } from '../errors.ts';
import * as fmt from '../format.ts';
import type { KdSession } from '../session.ts';
import { oneValue } from './args.ts';
import { family, type CommandContext } from './command.ts';

function registerCommand(s: KdSession, args: string, ctx: CommandContext): string {
  if (args.trim() === '') return `${fmt.registerBlock(s.registerFile())}\n${s.currentLocation()}`;
  const shown: string[] = [];
  let i = ctx.argsOffset;
  const text = ctx.text;
  const skip = () => { while (i < text.length && /\s/.test(text[i])) i++; };
  for (;;) {
    skip();
    const m = /^@?([A-Za-z$][A-Za-z0-9$]*)/.exec(text.slice(i));
    if (!m) throw new CaretError('Syntax error', i);
    const name = m[1].toLowerCase();
    const nameEnd = i + m[0].length;
    if (s.registers.get(name) === undefined) throw new PlainError(`Bad register error at '${text.slice(i)}'`);
    i = nameEnd;
    skip();
    if (text[i] === '=') {
      const r = s.evalPrefix(text.slice(i + 1));
      if (!s.registers.set(name, r.value)) throw new PlainError(`Bad register error at '${text.slice(nameEnd - m[0].length)}'`);
      i = i + 1 + r.used;
      skip();
    } else {
      shown.push(s.registers.show(name)!);
    }
    if (i >= text.length) break;
    if (text[i] === ',') { i++; continue; }
    throw new CaretError('Syntax error', nameEnd - 1);
  }
  return shown.join(' ');
}

function readMsr(s: KdSession, args: string, ctx: CommandContext): string {
  const index = Number(oneValue(s, args, ctx) & 0xffffffffn);
  try {
    return fmt.rdmsrLine(index, s.machine.readMsr(index));
  } catch {
    return `no data for msr ${index.toString(16)}`;
  }
}

function writeMsr(s: KdSession, args: string, ctx: CommandContext): string {
  const i = s.evalPrefix(args);
  if (i.rest.trim() === '') throw new CaretError('Syntax error', ctx.text.length - 1);
  const value = oneValue(s, i.rest, ctx);
  const index = Number(i.value & 0xffffffffn);
  try {
    s.machine.writeMsr(index, value);
  } catch {
    return `no data for msr ${index.toString(16)}`;
  }
  return '';
}

export const REGISTER_COMMANDS = family('registers', [
  { name: 'r', syntax: 'r [Reg[=Expr][, ...]]', help: 'show all registers, some registers, or assign one (r rax=5)', handler: registerCommand },
  { name: 'rdmsr', syntax: 'rdmsr Msr', help: 'read a model-specific register', handler: readMsr },
  { name: 'wrmsr', syntax: 'wrmsr Msr Value', help: 'write a model-specific register', handler: writeMsr },
]);
