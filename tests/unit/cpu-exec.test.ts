// Executor behaviour beyond the ALU oracle: table coverage, strings, stack, control flow, segment
// loads, FS/GS bases, CPUID/RDTSC, hooks, the undo journal and snapshots.

import { describe, it, expect } from 'vitest';
import { OPCODES, SEMANTICS, Machine, encodeSnapshot, decodeSnapshot, cpuid } from '../../emulator/src/cpu/index.ts';
import { world, runToStub, frame, q, KCODE, KDATA, UCODE, UDATA, USTACK_TOP } from './cpu-exec-harness.ts';

function kernel(src: string, setup?: (m: Machine) => void): Machine {
  const { m } = world({ cpl: 0, kernel: src + '\nhlt' });
  setup?.(m);
  const { stop, vector } = runToStub(m, 100_000);
  if (vector !== null) throw new Error(`unexpected vector ${vector}`);
  expect(stop.kind).toBe('halt');
  return m;
}

describe('coverage of the opcode table', () => {
  it('every op key of the table has a semantics function', () => {
    const missing = [...new Set(OPCODES.map((r) => r.op))].filter((op) => !(op in SEMANTICS));
    expect(missing).toEqual([]);
  });
});

describe('strings', () => {
  it('rep movsb copies RCX bytes forward and leaves RCX=0, RSI/RDI advanced', () => {
    const m = kernel('mov rsi, rbx\nlea rdi, [rbx+100h]\nmov ecx, 10\nrep movsb', (m) => {
      m.setReg('rbx', KDATA);
      m.writeVirtual(KDATA, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    });
    expect([...m.readVirtual(KDATA + 0x100n, 10)!]).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(m.getReg('rcx')).toBe(0n);
    expect(m.getReg('rsi')).toBe(KDATA + 10n);
    expect(m.getReg('rdi')).toBe(KDATA + 0x10an);
  });
  it('std; rep stosq fills downward', () => {
    const m = kernel('std\nmov rax, 1122334455667788h\nlea rdi, [rbx+10h]\nmov ecx, 3\nrep stosq\ncld', (m) => m.setReg('rbx', KDATA));
    expect(q(m, KDATA)).toBe(0x1122334455667788n);
    expect(q(m, KDATA + 8n)).toBe(0x1122334455667788n);
    expect(q(m, KDATA + 0x10n)).toBe(0x1122334455667788n);
    expect(m.getReg('rdi')).toBe(KDATA - 8n);
  });
  it('repne scasb stops on the match; repe cmpsb stops on the first difference', () => {
    const m = kernel('mov rdi, rbx\nmov al, 3\nmov ecx, 10\nrepne scasb\nmov r8, rcx\nmov rsi, rbx\nlea rdi, [rbx+20h]\nmov ecx, 10\nrepe cmpsb', (m) => {
      m.setReg('rbx', KDATA);
      m.writeVirtual(KDATA, [1, 2, 3, 4, 5]);
      m.writeVirtual(KDATA + 0x20n, [1, 2, 9, 4, 5]);
    });
    expect(m.getReg('r8')).toBe(7n); // three bytes scanned
    expect(m.getReg('rcx')).toBe(7n); // stopped after the third byte (2 != 3... 3 vs 9)
    expect(m.getReg('rsi')).toBe(KDATA + 3n);
  });
});

describe('stack and control flow', () => {
  it('call/ret, push/pop, leave', () => {
    const m = kernel(`
      mov rbp, rsp
      push 1234h
      call f
      pop rbx
      leave
      jmp done
    f: mov rax, qword ptr [rsp]
      ret
    done: nop`);
    expect(m.getReg('rbx')).toBe(0x1234n);
    expect(m.getReg('rax')).toBe(KCODE + 3n + 5n + 5n); // return address = after the call
  });
  it('popfq at CPL3 cannot change IF or IOPL (SDM Vol. 2B POPF)', () => {
    const { m } = world({ user: 'push 3002h\npopfq\npushfq\npop rax\nint 3' });
    m.setReg('rflags', 0x202n);
    runToStub(m);
    expect(m.getReg('rax')).toBe(0x202n);
  });
  it('ret imm16 releases the extra bytes', () => {
    const m = kernel('mov rbx, rsp\ncall f\njmp done\nf: ret 10h\ndone: sub rbx, rsp');
    expect(BigInt.asIntN(64, m.getReg('rbx'))).toBe(-16n);
  });
  it('loop counts RCX down; jrcxz jumps on zero', () => {
    const m = kernel('mov ecx, 5\nxor eax, eax\nl: inc eax\nloop l\njrcxz z\nmov eax, 99\nz: nop');
    expect(m.getReg('rax')).toBe(5n);
  });
  it('div by zero and an idiv overflow raise #DE (SDM Vol. 2A DIV, IDIV)', () => {
    const a = world({ cpl: 0, kernel: 'xor ebx, ebx\ndiv rbx' });
    expect(runToStub(a.m).vector).toBe(0);
    const b = world({ cpl: 0, kernel: 'mov eax, 80000000h\ncdq\nmov ebx, -1\nidiv ebx' });
    expect(runToStub(b.m).vector).toBe(0);
    expect(frame(b.m, false).rip).toBe(KCODE + 5n + 1n + 5n);
  });
  it('cmpxchg and xadd', () => {
    const m = kernel('mov qword ptr [rbx], 5\nmov eax, 5\nmov ecx, 7\nlock cmpxchg qword ptr [rbx], rcx\nsetz dl\nmov eax, 1\nlock cmpxchg qword ptr [rbx], rcx\nmov r8d, 10\nlock xadd qword ptr [rbx], r8', (m) => m.setReg('rbx', KDATA));
    expect(m.getReg('rdx') & 0xffn).toBe(1n);
    expect(m.getReg('rax')).toBe(7n); // second compare failed: accumulator <- dest
    expect(q(m, KDATA)).toBe(17n);
    expect(m.getReg('r8')).toBe(7n);
  });
  it('a LOCK prefix where it is not allowed is #UD', () => {
    const { m } = world({ cpl: 0, kernel: 'nop' });
    m.writeVirtual(KCODE, [0xf0, 0x48, 0x01, 0xd8]); // lock add rax, rbx
    expect(runToStub(m).vector).toBe(6);
  });
});

describe('segments, FS/GS and system state', () => {
  it('wrfsbase needs CR4.FSGSBASE; then fs: addresses use the base', () => {
    const a = world({ cpl: 0, kernel: 'wrfsbase rax' });
    expect(runToStub(a.m).vector).toBe(6);
    const m = kernel('wrfsbase rbx\nmov rax, qword ptr fs:[8]\nrdfsbase rcx', (m) => {
      m.setCr(4, m.getCr(4) | (1n << 16n));
      m.setReg('rbx', KDATA);
      m.writeVirtual(KDATA + 8n, [0xaa, 0xbb, 0, 0, 0, 0, 0, 0]);
    });
    expect(m.getReg('rax')).toBe(0xbbaan);
    expect(m.getReg('rcx')).toBe(KDATA);
  });
  it('swapgs exchanges GS.base and IA32_KERNEL_GS_BASE and logs it', () => {
    const m = kernel('swapgs', (m) => { m.writeMsr(0xc0000101, 0x1000n); m.writeMsr(0xc0000102, KDATA); });
    expect(m.readMsr(0xc0000101)).toBe(KDATA);
    expect(m.readMsr(0xc0000102)).toBe(0x1000n);
    expect(m.events.events.find((e) => e.kind === 'swapgs')).toMatchObject({ gsBase: KDATA, kernelGsBase: 0x1000n });
  });
  it('mov ss, null selector at CPL3 is #GP(0); mov ds with a DPL0 selector at CPL3 is #GP(selector)', () => {
    const a = world({ user: 'xor eax, eax\nmov ss, ax' });
    expect(runToStub(a.m).vector).toBe(13);
    expect(frame(a.m, true).error).toBe(0n);
    const b = world({ user: 'mov eax, 18h\nmov ds, ax' });
    expect(runToStub(b.m).vector).toBe(13);
    expect(frame(b.m, true).error).toBe(0x18n);
  });
  it('privileged instructions at CPL3 raise #GP(0)', () => {
    for (const src of ['hlt', 'cli', 'mov cr3, rax', 'lgdt [rax]', 'invlpg [rax]', 'rdmsr']) {
      const { m } = world({ user: src });
      expect(runToStub(m).vector, src).toBe(13);
      expect(frame(m, true).error, src).toBe(0n);
    }
    const { m } = world({ user: 'clac' }); // CLAC/STAC: #UD at CPL > 0
    expect(runToStub(m).vector).toBe(6);
  });
  it('cpuid reports the features the executor implements', () => {
    const l1 = cpuid(1, 0), l7 = cpuid(7, 0), e1 = cpuid(0x80000001, 0);
    expect((l1[2] >>> 23) & 1).toBe(1); // POPCNT
    expect(l7[1] & 1).toBe(1); // FSGSBASE
    expect((l7[1] >>> 7) & 1).toBe(1); // SMEP
    expect((l7[1] >>> 20) & 1).toBe(1); // SMAP
    expect((e1[3] >>> 11) & 1).toBe(1); // SYSCALL
    expect((e1[3] >>> 20) & 1).toBe(1); // NX
    expect((e1[2] >>> 5) & 1).toBe(1); // LZCNT
    const m = kernel('mov eax, 7\nxor ecx, ecx\ncpuid');
    expect(Number(m.getReg('rbx'))).toBe(l7[1]);
  });
  it('rdtsc is the instruction count (deterministic)', () => {
    const m = kernel('nop\nnop\nrdtsc');
    expect(m.getReg('rax')).toBe(2n);
    expect(m.getReg('rdx')).toBe(0n);
  });
});

describe('hooks, journal, snapshots', () => {
  it('a hook stops the run before the instruction; the next run continues past it', () => {
    const { m } = world({ cpl: 0, kernel: 'mov eax, 1\nmov eax, 2\nhlt' });
    m.addHook(KCODE + 5n, () => ({ stop: true, reason: 'bugcheck' }));
    const s = m.run({ budget: 100 });
    expect(s).toMatchObject({ kind: 'hook', reason: 'bugcheck', rip: KCODE + 5n });
    expect(m.getReg('rax')).toBe(1n);
    expect(m.run({ budget: 100 }).kind).toBe('halt');
    expect(m.getReg('rax')).toBe(2n);
  });

  it('stepBack restores registers, flags, memory, MSRs and the event log exactly', () => {
    const { m } = world({
      journal: 1000,
      user: 'mov qword ptr [rbx], rax\npush rax\nadd rax, rbx\nsyscall\nnop',
      kernel: 'entry: swapgs\nmov rcx, cr3\nsysretq',
    });
    m.setReg('rbx', UDATA);
    m.setReg('rax', 0x55n);
    const states: string[] = [];
    const dump = (): string => JSON.stringify({
      r: ['rax', 'rbx', 'rcx', 'rsp', 'r11', 'rip', 'rflags'].map((n) => m.getReg(n).toString(16)),
      cs: m.getSeg('cs'), ss: m.getSeg('ss'), gs: m.readMsr(0xc0000101), kgs: m.readMsr(0xc0000102),
      mem: [...m.readVirtual(UDATA, 8)!], stack: [...m.readVirtual(USTACK_TOP - 0x108n, 8)!], ev: m.events.total, ic: m.icount,
    }, (_, v) => (typeof v === 'bigint' ? v.toString(16) : v));
    for (let i = 0; i < 7; i++) { states.push(dump()); expect(m.step()).toBeNull(); }
    for (let i = 6; i >= 0; i--) { expect(m.stepBack()).toBe(true); expect(dump()).toBe(states[i]); }
    expect(m.getReg('rip')).toBe(UCODE);
  });

  it('a snapshot survives encoding and restores a machine that continues identically', () => {
    const { m } = world({ cpl: 0, kernel: 'l: add rax, 3\nmov qword ptr [rbx], rax\ndec ecx\njnz l\nhlt' });
    m.setReg('rbx', KDATA); m.setReg('rcx', 50n);
    m.run({ budget: 37 });
    const bytes = encodeSnapshot(m.snapshot());
    const copy = Machine.restore(decodeSnapshot(bytes));
    expect(m.run({ budget: 1000 }).kind).toBe('halt');
    expect(copy.run({ budget: 1000 }).kind).toBe('halt');
    for (const r of ['rax', 'rcx', 'rip', 'rflags', 'rsp']) expect(copy.getReg(r)).toBe(m.getReg(r));
    expect(q(copy, KDATA)).toBe(150n);
    expect(copy.icount).toBe(m.icount);
    expect(bytes.length).toBeLessThan(64 * 1024);
  });

  it('self-modifying code: a guest store into a cached instruction is seen on the next fetch', () => {
    const m = kernel(`
      xor ecx, ecx
    t: mov eax, 1
      inc ecx
      cmp ecx, 2
      je done
      mov byte ptr [rbx], 7
      jmp t
    done: nop`, (m) => m.setReg('rbx', KCODE + 2n + 1n));
    expect(m.getReg('rax')).toBe(7n);
  });

  it('bad API input gets a clear message', () => {
    const m = new Machine();
    expect(() => m.setReg('rxx', 1n)).toThrow(/unknown register 'rxx'/);
    expect(() => m.setReg('rip', 0x800000000000n)).toThrow(/not canonical/);
    expect(() => m.getCr(5)).toThrow(/CR5 does not exist/);
  });
});
