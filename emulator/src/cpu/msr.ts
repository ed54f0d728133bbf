// Model-specific registers the modeled CPU has (SDM Vol. 4, Table 2-2). Any other index raises
// #GP(0) on RDMSR/WRMSR (SDM Vol. 2B RDMSR, WRMSR).

import type { Machine } from './machine.ts';
import { CpuFault, GP } from './fault.ts';
import {
  MSR_TSC, MSR_EFER, MSR_STAR, MSR_LSTAR, MSR_CSTAR, MSR_FMASK, MSR_FS_BASE, MSR_GS_BASE,
  MSR_KERNEL_GS_BASE, MSR_TSC_AUX, EFER_SCE, EFER_LME, EFER_LMA, EFER_NXE, FS, GS,
  bigLo, bigHi, bigToLinear, linearToBig, pairToBig,
} from './state.ts';

export const MSR_NAMES: Record<number, string> = {
  [MSR_TSC]: 'IA32_TIME_STAMP_COUNTER', [MSR_EFER]: 'IA32_EFER', [MSR_STAR]: 'IA32_STAR', [MSR_LSTAR]: 'IA32_LSTAR',
  [MSR_CSTAR]: 'IA32_CSTAR', [MSR_FMASK]: 'IA32_FMASK', [MSR_FS_BASE]: 'IA32_FS_BASE', [MSR_GS_BASE]: 'IA32_GS_BASE',
  [MSR_KERNEL_GS_BASE]: 'IA32_KERNEL_GS_BASE', [MSR_TSC_AUX]: 'IA32_TSC_AUX',
};

/** Deterministic time stamp counter: the retired-instruction count plus an offset (WRMSR 10h). */
export function tsc(m: Machine): bigint { return BigInt.asUintN(64, BigInt(m.icount) + m.tscOffset); }

export function readMsr(m: Machine, index: number): bigint {
  switch (index >>> 0) {
    case MSR_TSC: return tsc(m);
    case MSR_EFER: return BigInt(m.efer);
    case MSR_STAR: return pairToBig(m.starLo, m.starHi);
    case MSR_LSTAR: return linearToBig(m.lstar);
    case MSR_CSTAR: return linearToBig(m.cstar);
    case MSR_FMASK: return BigInt(m.fmask >>> 0);
    case MSR_FS_BASE: return linearToBig(m.segBase[FS]);
    case MSR_GS_BASE: return linearToBig(m.segBase[GS]);
    case MSR_KERNEL_GS_BASE: return linearToBig(m.kernelGsBase);
    case MSR_TSC_AUX: return BigInt(m.tscAux >>> 0);
    default: throw new CpuFault(GP, 0, `RDMSR of unknown MSR ${(index >>> 0).toString(16)}`);
  }
}

function canonical(v: bigint, what: string): number {
  const la = bigToLinear(v);
  if (la === null) throw new CpuFault(GP, 0, `WRMSR: ${what} value ${v.toString(16)} not canonical`);
  return la;
}

/** WRMSR. `guest` marks writes by the WRMSR instruction (recorded in the event log). */
export function writeMsr(m: Machine, index: number, v: bigint, guest: boolean): void {
  index >>>= 0;
  switch (index) {
    case MSR_TSC: m.tscOffset = v - BigInt(m.icount); break;
    case MSR_EFER: {
      // Writable: SCE, LME, NXE; LMA is read-only status (SDM Vol. 3A §2.2.1). Clearing LME
      // while paging is on in IA-32e mode faults (§9.8.5.4).
      if (v & ~BigInt(EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE)) throw new CpuFault(GP, 0, 'WRMSR: reserved IA32_EFER bit');
      if (!(v & BigInt(EFER_LME))) throw new CpuFault(GP, 0, 'WRMSR: clearing IA32_EFER.LME in 64-bit mode');
      m.efer = (Number(v) & (EFER_SCE | EFER_LME | EFER_NXE)) | EFER_LMA;
      m.mmu.flush();
      break;
    }
    case MSR_STAR: m.starLo = bigLo(v); m.starHi = bigHi(v); break;
    case MSR_LSTAR: m.lstar = canonical(v, 'IA32_LSTAR'); break;
    case MSR_CSTAR: m.cstar = canonical(v, 'IA32_CSTAR'); break;
    case MSR_FMASK: m.fmask = bigLo(v); break; // bits 63:32 reserved: ignored
    case MSR_FS_BASE: m.segBase[FS] = canonical(v, 'IA32_FS_BASE'); break;
    case MSR_GS_BASE: m.segBase[GS] = canonical(v, 'IA32_GS_BASE'); break;
    case MSR_KERNEL_GS_BASE: m.kernelGsBase = canonical(v, 'IA32_KERNEL_GS_BASE'); break;
    case MSR_TSC_AUX:
      if (v >> 32n) throw new CpuFault(GP, 0, 'WRMSR: IA32_TSC_AUX bits 63:32 are reserved');
      m.tscAux = Number(v); break;
    default: throw new CpuFault(GP, 0, `WRMSR of unknown MSR ${index.toString(16)}`);
  }
  if (guest) m.event({ kind: 'msr-write', msr: index, name: MSR_NAMES[index] ?? index.toString(16), value: v }, 'SDM Vol. 2B WRMSR; Vol. 4 Table 2-2');
}
