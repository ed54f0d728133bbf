// Stepper: the processor stopped at an address from the outside and stepped one instruction at a
// time (F11), over calls (F10), and back (exactly: the CPU's undo journal). Registers with
// changes marked, CPL, RSP tagged user or kernel, GS base beside IA32_KERNEL_GS_BASE, and the
// stack with each page's U/S bit. Without JavaScript, the steps the build computed are listed.
import { useEffect, useRef, useState } from 'preact/hooks';
import type { StepView } from '../emulator/src/scenario/cpu-stepper.ts';
import { STATE_REGISTERS } from '../emulator/src/scenario/trace.ts';
import { parseProp, type StepperData } from './lib/widget-data.ts';
import { EMULATOR_VERSION, loadEmulator, type Emulator } from './lib/load.ts';
import { setHash, writeHash } from './lib/permalink.ts';
import { usePermalinkRestore } from './lib/permalink-restore.ts';
import { emulatorAction } from './lib/emulator-action.ts';
import { WidgetStatus } from './WidgetStatus.tsx';
import { CopyLink } from './CopyLink.tsx';
import { preload } from './lib/idle.ts';
import './widgets.css';

type Live = ReturnType<Emulator['CpuStepper']['start']>;
const MAX_OPS = 500;

export default function Stepper(props: { stepper: string }) {
  const parsed = parseProp<StepperData>(props.stepper, 'stepper');
  if (!parsed.ok) return <p class="widget-error" role="alert">{parsed.message}</p>;
  return <StepperWidget data={parsed.value} />;
}

const kd = (h: string) => `${h.slice(0, 8)}\`${h.slice(8)}`;

/** The processor's event kinds (cpu/events.ts) in the words the page uses. */
const EVENT_WORDS: Record<string, string> = {
  'exception-raised': 'exception raised',
  'exception-delivered': 'exception delivered to its handler',
  'double-fault': 'double fault',
  'triple-fault': 'triple fault (shutdown)',
  'cpl-change': 'privilege level changed',
  swapgs: 'SWAPGS exchanged the GS bases',
  syscall: 'SYSCALL entered the kernel',
  sysret: 'SYSRET returned to user mode',
  iretq: 'IRETQ returned from an interrupt',
  'msr-write': 'MSR written',
  'cr-write': 'control register written',
  halt: 'processor halted',
  hook: 'stopped at a watched address',
};

export function eventWords(e: string): string {
  const [kind, ...rest] = e.split(' ');
  return [EVENT_WORDS[kind] ?? kind.replace(/-/g, ' '), ...rest].join(' ');
}

const OP_WORDS = { i: 'Step into', o: 'Step over', b: 'Step back' } as const;

/** The last two cells of a stack or memory row: the qword there (question marks when it cannot be
 *  read) and its page's U/S bit. */
function QwordAndPage({ value, user }: { value: string | null; user: boolean | null }) {
  return (
    <>
      <td><code>{value ?? '????????????????'}</code></td>
      <td><span class={`tag ${user === null ? 'none' : user ? 'user' : 'kernel'}`}>{user === null ? 'not mapped' : user ? 'U (user)' : 'S (supervisor)'}</span></td>
    </>
  );
}

function StepperWidget({ data }: { data: StepperData }) {
  const [view, setView] = useState<StepView>(data.views[0]);
  const [prev, setPrev] = useState<StepView | null>(null);
  const [ops, setOps] = useState('');
  const [log, setLog] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);
  const [notice, setNotice] = useState('');
  const [announce, setAnnounce] = useState('');
  const machine = useRef<Live | null>(null);
  const [linkHash, setLinkHash] = useState(() => writeHash(data.id, [['s', ''], ['v', EMULATOR_VERSION]]));
  const root = useRef<HTMLElement>(null);

  const ensure = async (): Promise<Live> => {
    if (machine.current) return machine.current;
    const emu = await loadEmulator();
    machine.current = emu.CpuStepper.start(emu.bootModeledWindows, data.options, data.from, data.passes ?? 1);
    return machine.current;
  };

  // Once hydrated (in view), load the emulator and stop the machine at `from` while the browser is
  // idle, so the first step is a step. A failure here is reported by the first step itself.
  useEffect(() => preload(loadEmulator, (emu) => {
    if (machine.current) return;
    try {
      machine.current = emu.CpuStepper.start(emu.bootModeledWindows, data.options, data.from, data.passes ?? 1);
    } catch {
      /* reported on the first step */
    }
  }), []);

  const apply = (s: Live, op: string): string | null => (op === 'o' ? s.stepOver() : s.step());

  const act = async (op: 'i' | 'o' | 'b') => {
    if (busy) return;
    if (op === 'b' && ops.length === 0) {
      setAnnounce('Already at the starting point.');
      return;
    }
    if (op !== 'b' && ops.length >= MAX_OPS) {
      setNotice(`This widget keeps at most ${MAX_OPS} steps.`);
      return;
    }
    await emulatorAction(setBusy, setNotice, async () => {
      const s = await ensure();
      performance.mark('stepper-step-start');
      const before = s.view();
      let message: string | null = null;
      let nextOps = ops;
      if (op === 'b') {
        s.back();
        nextOps = ops.slice(0, -1);
      } else {
        message = apply(s, op);
        nextOps = ops + op;
      }
      const v = s.view();
      performance.measure('stepper-step', 'stepper-step-start');
      setPrev(before);
      setView(v);
      setOps(nextOps);
      setLog((e) => [...e, `${OP_WORDS[op]}: now at ${v.at}`].slice(-10));
      setNotice(message ?? '');
      setAnnounce(`${v.at}: ${v.line.replace(/^\S+\s+\S+\s+/, '')}. RSP ${v.rspSpace} stack, CPL ${v.state.cpl}.${message ? ' ' + message : ''}`);
      setHash(writeHash(data.id, [['s', nextOps], ['v', EMULATOR_VERSION]]));
      setLinkHash(writeHash(data.id, [['s', nextOps], ['v', EMULATOR_VERSION]]));
    });
  };

  /** Replays the steps a link holds on a fresh machine. */
  const restoreSteps = (s: string) => emulatorAction(setBusy, setNotice, async () => {
    const m = await ensure();
    let before = m.view();
    for (const op of s) {
      before = m.view();
      apply(m, op);
    }
    setPrev(before);
    setView(m.view());
    setOps(s);
    setLinkHash(writeHash(data.id, [['s', s], ['v', EMULATOR_VERSION]]));
    setAnnounce(`Restored ${s.length} step${s.length === 1 ? '' : 's'}: ${m.view().at}.`);
  });

  const live = usePermalinkRestore({
    id: data.id,
    keys: ['s'],
    unknownKey: () => 'it sets a field this stepper does not have',
    fallback: ` The stepper starts at ${data.from}${(data.passes ?? 1) > 1 ? ` (arrival number ${data.passes})` : ''}.`,
    setNotice,
    restore: (f) => {
      const s = f.get('s') ?? '';
      if (!/^[io]*$/.test(s) || s.length > MAX_OPS) return 'its step list is malformed';
      if (s !== '') void restoreSteps(s);
      return null;
    },
  });

  const onKey = (e: KeyboardEvent) => {
    const map: Record<string, 'i' | 'o'> = { F11: 'i', F10: 'o' };
    const op = e.shiftKey && e.key === 'F11' ? 'b' : map[e.key];
    if (!op) return;
    e.preventDefault();
    void act(op);
  };

  const changed = (r: string) => prev !== null && (prev.state.regs as Record<string, string>)[r] !== (view.state.regs as Record<string, string>)[r];
  const titleId = `${data.id}-title`;
  const gsSwapped = view.state.gsBase.startsWith('ffff');
  return (
    <section ref={root} class="live-widget stepper" aria-labelledby={titleId} data-live-widget data-pagefind-ignore data-widget-id={data.id} onKeyDown={onKey}>
      <header class="widget-head">
        <h3 id={titleId} class="widget-title">Stepping the processor from <code>{data.from}</code>{(data.passes ?? 1) > 1 ? ` (its arrival number ${data.passes})` : ''}</h3>
        <p class="widget-hint">
          This view steps the emulated CPU itself, one instruction at a time, like a hardware debugger: no breakpoint
          instruction and no debug exception, so it can stand where kd cannot. Step into (F11) executes one
          instruction, even a <code>syscall</code> (it stops at the kernel's entry); step over (F10) runs a <code>call</code> or
          a <code>syscall</code> until it returns, as kd's <code>p</code> does; step back (Shift+F11) undoes a step exactly.
        </p>
      </header>
      {/* Rendered by the build too, disabled until the widget is live, so hydration keeps the
          widget's height and the page does not move under the reader. */}
      <div class="widget-controls">
        <button type="button" class="widget-button primary" onClick={() => void act('i')} disabled={busy || !live} aria-label="Step into (F11)">Step (F11)</button>
        <button type="button" class="widget-button" onClick={() => void act('o')} disabled={busy || !live} aria-label="Step over (F10)">Step over (F10)</button>
        <button type="button" class="widget-button" onClick={() => void act('b')} disabled={busy || !live || ops.length === 0} aria-label="Step back (Shift+F11)">Step back</button>
        <CopyLink hash={linkHash} live={live} />
        <span class="widget-note stepper-count">{live ? `Steps taken: ${ops.length}` : 'Interactive when JavaScript runs.'}</span>
      </div>
      <p class="stepper-next">
        <span class="stepper-at">{view.at}</span>
        <code class="stepper-line">{view.line}</code>
      </p>
      <dl class="stepper-facts">
        <div><dt>CPL</dt><dd>{view.state.cpl}</dd></div>
        <div><dt>RSP</dt><dd><code>{kd(view.state.regs.rsp)}</code> <span class={`tag ${view.rspSpace}`}>{view.rspSpace} stack</span></dd></div>
        <div><dt>GS base</dt><dd><code>{kd(view.state.gsBase)}</code> <span class={`tag ${gsSwapped ? 'kernel' : 'user'}`}>{gsSwapped ? 'kernel KPCR' : 'user TEB'}</span></dd></div>
        <div><dt>KERNEL_GS_BASE</dt><dd><code>{kd(view.state.kernelGsBase)}</code></dd></div>
        {view.event ? <div><dt>Last event</dt><dd>{eventWords(view.event)}</dd></div> : null}
      </dl>
      <div class="stepper-panels">
        <div class="table-scroll" tabIndex={0} role="group" aria-label="Registers">
        <table class="reg-table">
          <caption>Registers {prev ? '(changed ones marked)' : ''}</caption>
          <tbody>
            {STATE_REGISTERS.map((r) => (
              <tr key={r} class={changed(r) ? 'changed' : ''}>
                <th scope="row">{r}</th>
                <td><code>{view.state.regs[r]}</code>{changed(r) ? <span class="visually-hidden"> (changed)</span> : null}</td>
              </tr>
            ))}
          </tbody>
        </table>
        </div>
        <div class="table-scroll stack-scroll" tabIndex={0} role="group" aria-label="Stack">
        <table class="stack-table">
          <caption>Stack around RSP (page U/S bit, trap-frame fields named)</caption>
          <thead><tr><th scope="col">Address</th><th scope="col">Value</th><th scope="col">Page</th></tr></thead>
          <tbody>
            {view.stack.map((s) => (
              <tr key={s.address} class={s.offset === 0 ? 'at-rsp' : ''}>
                <td><code>{kd(s.address)}</code>{s.offset === 0 ? ' \u2190 rsp' : ''}{s.frameField ? <span class="frame-field"> {s.frameField}</span> : null}</td>
                <QwordAndPage value={s.value} user={s.user} />
              </tr>
            ))}
          </tbody>
        </table>
        </div>
      </div>
      {view.memory && (
        <div class="table-scroll" tabIndex={0} role="group" aria-label="Memory through GS">
          <table class="mem-table">
            <caption>Memory the entry reads through GS (with the current GS base)</caption>
            <thead><tr><th scope="col">Operand</th><th scope="col">Address</th><th scope="col">Qword</th><th scope="col">Page</th></tr></thead>
            <tbody>
              {view.memory.map((m) => (
                <tr key={m.operand}>
                  <td><code>{m.operand}</code></td>
                  <td><code>{kd(m.address)}</code></td>
                  <QwordAndPage value={m.value} user={m.user} />
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {log.length > 0 && (
        <ol class="step-log" aria-label="Your last steps" data-pagefind-ignore>
          {log.map((l, i) => <li key={i}>{l}</li>)}
        </ol>
      )}
      <WidgetStatus notice={notice} announce={announce} />
      {/* Stays open when the widget goes live: collapsing it on hydration would shift the page
          under a reader who just followed a link to the heading below. */}
      <details class="stepper-precomputed" open>
        <summary>{data.views.length - 1 === 1 ? 'The first step' : `The first ${data.views.length - 1} steps`}, computed when this page was built</summary>
        <ol start={0}>
          {data.views.map((v, i) => (
            <li key={i}>
              <code>{v.at}</code>: next <code>{v.line.replace(/^\S+\s+\S+\s+/, '')}</code>; RSP {kd(v.state.regs.rsp)} ({v.rspSpace} stack), GS base {kd(v.state.gsBase)}
            </li>
          ))}
        </ol>
        {data.claims.length > 0 && <p class="claim-note">Checked at build time: {data.claims.map((c) => `after ${c.step} step${c.step === 1 ? '' : 's'}, ${c.claim}`).join('; ')}.</p>}
      </details>
    </section>
  );
}
