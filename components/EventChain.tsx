// The causal chain of a stop, in plain words, from the processor's event log: each link says what
// the processor did and names the rule it followed (the SDM passage the emulator cites); a link
// that ran a routine the model assumes (`assumed`, from provenance) says so in words, so the mark
// survives print and a page without JavaScript.
import type { CompactEvent } from '../emulator/src/scenario/trace.ts';
import { provenanceAnchor } from '../emulator/src/windows/provenance/anchor.ts';
import { isModelOffset } from './lib/model-offset.ts';

const VECTORS: Record<number, string> = {
  0: '#DE', 1: '#DB', 2: 'NMI', 3: '#BP', 4: '#OF', 5: '#BR', 6: '#UD', 7: '#NM', 8: '#DF',
  10: '#TS', 11: '#NP', 12: '#SS', 13: '#GP', 14: '#PF', 16: '#MF', 17: '#AC', 18: '#MC', 19: '#XM',
};

function addr(e: CompactEvent, field: string): string {
  const sym = e[`${field}Sym`];
  const v = e[field];
  const hex = typeof v === 'string' ? `${v.slice(0, 8)}\`${v.slice(8)}` : String(v);
  // An offset that exists only in the model says so (see lib/model-offset.ts).
  if (typeof sym === 'string') return isModelOffset(sym) ? `${sym} (model offset; ${hex})` : `${sym} (${hex})`;
  return hex;
}

function isUser(v: unknown): boolean {
  return typeof v === 'string' && /^[0-7]/.test(v);
}

/** One event in words; null for events that add nothing to the story. */
export function describeEvent(e: CompactEvent): string | null {
  switch (e.kind) {
    case 'syscall':
      return `User code executed SYSCALL at ${addr(e, 'rip')}: the processor switched to CPL 0 and jumped to the address in IA32_LSTAR, ${addr(e, 'target')}. SYSCALL does not change RSP, so it still points at the user stack.`;
    case 'sysret':
      return `SYSRET returned to user mode at ${addr(e, 'target')}.`;
    case 'cpl-change': {
      if (e.cause === 'syscall') return null;
      const v = /^delivery of vector (\d+)$/.exec(String(e.cause));
      const why = v ? `delivering ${VECTORS[Number(v[1])] ?? `vector ${v[1]}`}` : String(e.cause).toUpperCase();
      return `The privilege level changed from ${e.from} to ${e.to} (${why}).`;
    }
    case 'swapgs':
      return `SWAPGS exchanged the GS base with IA32_KERNEL_GS_BASE: GS now points at ${isUser(e.gsBase) ? 'user-mode data' : 'the kernel\u2019s per-processor data'}.`;
    case 'exception-raised':
      return `${e.name} raised at ${addr(e, 'rip')}: ${e.detail}.`;
    case 'exception-delivered': {
      const stack = e.stack === 'none'
        ? `on the current stack (no privilege change and no IST entry), RSP = ${addr(e, 'rsp')}${isUser(e.rsp) ? ', a user-mode address' : ''}`
        : `on a fresh stack (${String(e.stack).toUpperCase()}), RSP = ${addr(e, 'rsp')}`;
      return `${e.name} delivered to its handler ${addr(e, 'handler')} ${stack}.`;
    }
    case 'double-fault':
      return `A second exception (${VECTORS[Number(e.second)] ?? e.second}) while delivering ${VECTORS[Number(e.first)] ?? e.first} cannot be handled serially: the processor raises a double fault (#DF) instead.`;
    case 'triple-fault':
      return `A fault while delivering the double fault: the processor shuts down (triple fault) and the machine resets.`;
    case 'iretq':
      return `IRETQ returned to ${addr(e, 'target')} (CPL ${e.fromCpl} to ${e.toCpl}).`;
    case 'halt':
      return 'The processor halted.';
    case 'elided':
      return `\u2026 (${e.count} more events left out) \u2026`;
    default:
      return null;
  }
}

/** Events that tell the same step (same kind, vector, place and faulting address). */
function signature(e: CompactEvent): string {
  return [e.kind, e.vector, e.rip, e.handler, e.cr2, e.stack].join('|');
}

interface Block { events: CompactEvent[]; count: number }

/** Folds a step, or a pair of steps, that repeats back to back (a fault taken again and again
 *  while its own handler faults) into one block with a count. */
export function foldRepeats(events: CompactEvent[]): Block[] {
  const blocks: Block[] = [];
  const matches = (pattern: CompactEvent[], i: number) =>
    i + pattern.length <= events.length && pattern.every((p, k) => signature(p) === signature(events[i + k]));
  let i = 0;
  while (i < events.length) {
    const last = blocks[blocks.length - 1];
    if (last && matches(last.events, i)) {
      last.count++;
      i += last.events.length;
      continue;
    }
    const a = blocks[blocks.length - 2];
    if (a && last && a.count === 1 && last.count === 1 && a.events.length === 1 && last.events.length === 1 && matches([a.events[0], last.events[0]], i)) {
      blocks.splice(-2, 2, { events: [a.events[0], last.events[0]], count: 2 });
      i += 2;
      continue;
    }
    blocks.push({ events: [events[i]], count: 1 });
    i++;
  }
  return blocks;
}

/** Assumed routines by kd name -> what the model does there (the build passes the table from
 *  provenance/routine-status.ts in the widget's data, so the page loads no provenance code). */
export type AssumedRoutines = Readonly<Record<string, string>>;

/** The assumed routines a step ran: the code it happened in, and for a delivery, the handler. */
export function assumedIn(e: CompactEvent, assumed: AssumedRoutines | undefined): Array<[string, string]> {
  if (!assumed || e.kind === 'elided') return [];
  const out: Array<[string, string]> = [];
  for (const sym of [e.ripSym, e.kind === 'exception-delivered' ? e.handlerSym : undefined]) {
    if (typeof sym !== 'string') continue;
    const routine = sym.replace(/\+0x[0-9a-f]+$/i, '');
    if (assumed[routine] !== undefined && !out.some(([r]) => r === routine)) out.push([routine, assumed[routine]]);
  }
  return out;
}

export default function EventChain(props: { events: CompactEvent[]; title?: string; assumed?: AssumedRoutines }) {
  // Summary lines (a repeat folded, events left out) are not steps: they carry no number.
  const links: Array<{ e: CompactEvent | null; text: string; summary: boolean }> = [];
  for (const b of foldRepeats(props.events)) {
    const described = b.events.map((e) => ({ e, text: describeEvent(e), summary: e.kind === 'elided' })).filter((l): l is { e: CompactEvent; text: string; summary: boolean } => l.text !== null);
    links.push(...described);
    if (b.count > 1 && described.length) {
      links.push({ e: null, summary: true, text: `\u2026 and the same ${described.length === 1 ? 'step happens' : `${described.length} steps happen`} again ${b.count - 1} more time${b.count > 2 ? 's' : ''}.` });
    }
  }
  if (links.length === 0) return null;
  const ran = links.map(({ e }) => (e ? assumedIn(e, props.assumed) : []));
  return (
    <div class="event-chain">
      <h4 class="event-chain-title">{props.title ?? 'How the processor got here'}</h4>
      <ol>
        {links.map(({ e, text, summary }, i) => (
          <li key={i} class={[summary ? 'event-summary' : 'event-step', ran[i].length ? 'event-assumed' : ''].filter(Boolean).join(' ')}>
            <span class="event-text">{text}</span>
            {e?.sdm ? <span class="event-rule"> Rule: {e.sdm}.</span> : null}
            {ran[i].length ? (
              <span class="event-assumption">
                {' '}Assumed code:{' '}
                {ran[i].map(([name, what], k) => (
                  <>{k > 0 ? '; ' : ''}<a href={`${import.meta.env.BASE_URL.replace(/\/?$/, '/')}fidelity/#${provenanceAnchor(name)}`}>{name}</a> ({what})</>
                ))}.
              </span>
            ) : null}
          </li>
        ))}
      </ol>
    </div>
  );
}
