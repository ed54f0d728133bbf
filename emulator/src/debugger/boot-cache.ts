// Booting the modeled kernel builds its memory afresh (a few milliseconds, more while the code is
// cold); a breakpoint lab runs a fresh machine per click. A recycling boot keeps one booted kernel per option set
// and, on each call, loads the snapshot taken right after boot back into it (registers, MSRs,
// every memory page, and the boot's event log), so each run starts from exactly the state a fresh
// boot gives. Only for callers that are done with the previous kernel when they boot again (the
// lab's runs are synchronous, kd's breakpoint map makes one run at a time); tests check that its
// traces equal fresh-boot traces.

import type { Machine } from '../cpu/machine.ts';
import type { CpuEvent } from '../cpu/events.ts';
import type { KernelOptions, KernelView } from './target.ts';
import { MACHINE_OPTION_NAMES } from '../windows/options.ts';

/** How to get a kernel with given machine options (a fresh one on every call). */
export type BootKernel = (options: KernelOptions) => KernelView;

type RecyclableKernel = ReturnType<BootKernel> & { cpu: Machine; lastStop: unknown; reportedTrapFrame: bigint | null };

interface Entry {
  kernel: RecyclableKernel;
  snapshot: ReturnType<Machine['snapshot']>;
  events: CpuEvent[];
  total: number;
}

export function recyclingBoot(boot: BootKernel): BootKernel {
  const cache = new Map<string, Entry>();
  return (options: KernelOptions) => {
    // One kernel per distinct option set (an option left out and one given are told apart, as the
    // boot may resolve them differently).
    const key = MACHINE_OPTION_NAMES.map((n) => String(options[n])).join('/');
    const hit = cache.get(key);
    if (!hit) {
      const kernel = boot(options) as RecyclableKernel;
      // Only a kernel whose processor can be snapshotted is recycled; anything else boots fresh.
      if (!kernel.cpu || typeof kernel.cpu.snapshot !== 'function') return kernel;
      cache.set(key, { kernel, snapshot: kernel.cpu.snapshot(), events: [...kernel.cpu.events.events], total: kernel.cpu.events.total });
      return kernel;
    }
    const { kernel, snapshot, events, total } = hit;
    const cpu = kernel.cpu;
    cpu.load(snapshot);
    cpu.events.clear();
    for (const e of events) cpu.events.events.push(e);
    cpu.events.total = total;
    kernel.lastStop = null;
    kernel.reportedTrapFrame = null;
    return kernel;
  };
}
