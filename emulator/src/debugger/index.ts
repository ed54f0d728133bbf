// kd: a WinDbg-style kernel debugger over the modeled Windows kernel.
export { KdSession, PROMPT, DEFAULT_BUDGET, bootKernel, splitCommands } from './session.ts';
export type { ExecResult, KdSessionOptions, SessionEvent, StopInfo } from './session.ts';
export { COMMANDS, findCommand, registeredCommands } from './commands/index.ts';
export type { Command, CommandContext, Family } from './commands/index.ts';
export { evaluate, evaluatePrefix, parseNumber, ExprError } from './expr.ts';
export type { ExprContext } from './expr.ts';
export * as format from './format.ts';
export type { KernelOptions, KernelStop, KernelView, MachineView, SymbolTable } from './target.ts';
