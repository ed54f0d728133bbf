// kd's automatic pseudo-registers ("Pseudo-Register Syntax" in Microsoft's debugger reference):
// $pcr $prcb $thread $proc $teb $peb $ra $ea $exp $ptrsize. Each is read from the modeled kernel's
// structures (offsets from windows/structs.ts), never from a table of answers.

import { memoryOperandAddress } from './disasm.ts';
import type { KdSession } from './session.ts';

export function pseudoRegister(s: KdSession, name: string): bigint | undefined {
  const pcr = s.kpcr();
  const field = (st: string, f: string) => s.kernel.structs[st]?.fields.find((x) => x.name === f)?.offset;
  switch (name) {
    case '$pcr':
      return pcr;
    case '$prcb': {
      const o = field('_KPCR', 'Prcb');
      return o === undefined ? undefined : pcr + BigInt(o);
    }
    case '$thread': {
      const p = field('_KPCR', 'Prcb');
      const t = field('_KPRCB', 'CurrentThread');
      return p === undefined || t === undefined ? undefined : s.readQword(pcr + BigInt(p + t)) ?? 0n;
    }
    case '$teb':
    case '$proc': {
      const thread = pseudoRegister(s, '$thread');
      const o = field('_KTHREAD', name === '$teb' ? 'Teb' : 'Process');
      return thread === undefined || o === undefined ? undefined : s.readQword(thread + BigInt(o)) ?? 0n;
    }
    case '$peb': {
      // TEB.ProcessEnvironmentBlock (+0x060 on x64, Vergilius _TEB of build 17134).
      const teb = pseudoRegister(s, '$teb');
      const o = field('_TEB', 'ProcessEnvironmentBlock');
      return !teb || o === undefined ? undefined : s.readQword(teb + BigInt(o)) ?? 0n;
    }
    case '$ra':
      return s.walk(2)[0]?.retAddr;
    case '$ea': {
      // The effective address of the current instruction's memory operand.
      const d = s.disassemble(s.view.getReg('rip'));
      return d.ins ? memoryOperandAddress(s.view, d.ins) : undefined;
    }
    case '$exp':
      return s.lastExpression;
    case '$ptrsize':
      return 8n;
    default:
      return undefined;
  }
}
