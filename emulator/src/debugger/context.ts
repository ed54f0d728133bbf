// A register context set by `.trap` or `.cxr`: kd shows (and walks the stack from) those values
// instead of the processor's until the context is reset or the target runs ("Changing Contexts",
// register context, in Microsoft's debugger reference). Memory, MSRs and control registers stay
// the machine's.

import type { MachineView, SegmentView } from './target.ts';

export class ContextOverride {
  private readonly regs: Record<string, bigint>;
  private readonly segs: Record<string, number>;

  constructor(registers: Record<string, bigint>, segments: Record<string, number>) {
    this.regs = registers;
    this.segs = segments;
  }

  view(m: MachineView): MachineView {
    const regs = this.regs;
    const segs = this.segs;
    const name = (n: string) => (n === 'eflags' ? 'rflags' : n.toLowerCase());
    return {
      getReg: (n) => regs[name(n)] ?? 0n,
      setReg: (n, v) => { regs[name(n)] = v; },
      getSeg: (n): SegmentView => {
        const live = m.getSeg(n);
        const sel = segs[n.toLowerCase()];
        return sel === undefined ? live : { ...live, selector: sel };
      },
      readMsr: (i) => m.readMsr(i),
      writeMsr: (i, v) => m.writeMsr(i, v),
      getCr: (n) => m.getCr(n),
      readVirtual: (va, n) => m.readVirtual(va, n),
      writeVirtual: (va, b) => m.writeVirtual(va, b),
      tables: m.tables ? () => m.tables!() : undefined,
      events: m.events,
    };
  }
}
