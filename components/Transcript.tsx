// A kd transcript as text (prompt, command, output) and the outcome in one sentence; both work
// on build-time data alone, so they render the same on the server and in the browser.
import type { Trace } from '../emulator/src/scenario/trace.ts';

const BUGCHECK_NAMES: Record<number, string> = {
  0x1e: 'KMODE_EXCEPTION_NOT_HANDLED',
  0x3b: 'SYSTEM_SERVICE_EXCEPTION',
  0x50: 'PAGE_FAULT_IN_NONPAGED_AREA',
  0x7f: 'UNEXPECTED_KERNEL_MODE_TRAP',
};

export function outcomeSentence(t: Trace): string {
  const o = t.outcome;
  switch (o.kind) {
    case 'break':
      return o.breakpoint !== undefined ? `Breakpoint ${o.breakpoint} hit at ${o.at ?? o.address}.` : `kd stopped at ${o.at ?? o.address}.`;
    case 'step':
      return `Stepped to ${o.at ?? o.address}.`;
    case 'bugcheck': {
      const code = (o.code ?? 0).toString(16).toUpperCase();
      const arg1 = o.args?.[0] ? BigInt('0x' + o.args[0]).toString(16).toUpperCase() : '0';
      return `Bug check 0x${code} (${BUGCHECK_NAMES[o.code ?? -1] ?? 'unknown'}), first argument 0x${arg1}: the machine went down.`;
    }
    case 'triple-fault':
      return 'Triple fault: the processor shut down and the machine reset.';
    case 'budget':
      return 'The instruction budget ran out with no event.';
    case 'exited':
      return 'The program ran to its end; no breakpoint was hit.';
    case 'break-in':
      return `Broke in at ${o.at ?? o.address}.`;
    default:
      return 'The commands ran; the target did not run.';
  }
}

export function TranscriptView(props: { trace: Trace; label?: string }) {
  return (
    <pre class="kd-transcript" aria-label={props.label ?? 'kd transcript'} tabIndex={0}>
      <code>
        {props.trace.transcript.map((t, i) => (
          <span key={i} class="kd-entry">
            <span class="kd-prompt">{t.prompt}</span>
            <span class="kd-command">{t.command}</span>
            {'\n'}
            {t.output ? <span class="kd-output">{t.output + '\n'}</span> : null}
          </span>
        ))}
      </code>
    </pre>
  );
}
