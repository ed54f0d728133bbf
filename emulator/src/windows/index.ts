// The modeled Windows x64 kernel and user process (build 17134): boot it, run it, read its structs.
export { bootWindows, Kernel, ContextView } from './kernel.ts';
export type { KernelStop } from './kernel.ts';
export type { WindowsOptions, ResolvedOptions } from './boot.ts';
export { SELECTORS, idtTable } from './boot.ts';
export { BUILD, SERVICE_NUMBERS, STATUS, BUGCHECK, BUGCHECK_NAMES } from './build.ts';
export { STRUCTS, off, formatLayout } from './structs.ts';
export type { StructDef, StructField } from './structs.ts';
export { Symbols } from './symbols.ts';
export * as layout from './layout.ts';
export { MACHINE_OPTIONS, MACHINE_OPTION_NAMES, resolveMachineOptions, pickMachineOptions, machineOption } from './options.ts';
export type { MachineOption, MachineOptionName } from './options.ts';
