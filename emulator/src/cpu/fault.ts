// A processor-detected exception in flight. Thrown by memory accesses and semantics functions,
// caught by the run loop, which delivers it through the IDT (SDM Vol. 3A §6.14) or reports it.

export const DE = 0, DB = 1, NMI = 2, BP = 3, OF = 4, BR = 5, UD = 6, NM = 7, DF = 8;
export const TS = 10, NP = 11, SS = 12, GP = 13, PF = 14, MF = 16, AC = 17, MC = 18, XM = 19;

export const VECTOR_NAMES: Record<number, string> = {
  0: '#DE', 1: '#DB', 2: 'NMI', 3: '#BP', 4: '#OF', 5: '#BR', 6: '#UD', 7: '#NM', 8: '#DF',
  10: '#TS', 11: '#NP', 12: '#SS', 13: '#GP', 14: '#PF', 16: '#MF', 17: '#AC', 18: '#MC', 19: '#XM',
};

/** Vectors whose exceptions push an error code (SDM Vol. 3A §6.15, Table 6-1). */
export function pushesErrorCode(vector: number): boolean {
  return vector === 8 || (vector >= 10 && vector <= 14) || vector === 17 || vector === 21;
}

/** Exception classes for the double-fault rule (SDM Vol. 3A §6.15, Table 6-4). */
export type FaultClass = 'benign' | 'contributory' | 'page-fault';
export function faultClass(vector: number): FaultClass {
  if (vector === 0 || (vector >= 10 && vector <= 13) || vector === 21) return 'contributory';
  if (vector === 14 || vector === 20) return 'page-fault';
  return 'benign';
}

export class CpuFault {
  vector: number;
  errorCode: number;
  /** Linear address for #PF (goes to CR2), as a signed canonical double. */
  address: number;
  detail: string;
  /** A #DB for an instruction breakpoint: the only fault whose frame keeps RF as it was (SDM
   *  Vol. 3B §18.3.1.1), i.e. 0. */
  codeBreakpoint = false;
  constructor(vector: number, errorCode: number, detail: string, address = 0) {
    this.vector = vector;
    this.errorCode = errorCode;
    this.detail = detail;
    this.address = address;
  }
}

export function ud(detail: string): CpuFault { return new CpuFault(UD, 0, detail); }
export function gp(code: number, detail: string): CpuFault { return new CpuFault(GP, code, detail); }
