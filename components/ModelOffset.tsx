// Marks an address that exists only in this book's model (e.g. a breakpoint the text tells the
// reader to set inside a trap handler), so that it is not taken for an offset of a real 17134
// kernel. Static: the explanation is the mark's title and the chapter's legend line; no JavaScript.
import type { ComponentChildren } from 'preact';
import { MODEL_OFFSET_NOTE } from './lib/model-offset.ts';
import './model-offset.css';

export default function ModelOffset(props: { children: ComponentChildren; why?: string }) {
  return (
    <span class="model-offset">
      <code>{props.children}</code>
      <abbr class="model-offset-mark" title={props.why ?? MODEL_OFFSET_NOTE}>model</abbr>
    </span>
  );
}

/** The legend line a chapter puts before its first marked offset. */
export function ModelOffsetLegend() {
  return (
    <p class="model-offset-legend">
      <span class="model-offset"><code>nt!Example+0x10</code><abbr class="model-offset-mark" title={MODEL_OFFSET_NOTE}>model</abbr></span>{' '}
      marks an offset that exists only in this book's model of the kernel. Offsets of{' '}
      <code>nt!KiSystemCall64</code> up to <code>+7Bh</code> are those of a real build 17134 kernel, byte for byte;
      inside every other routine the model has its own code, so set those breakpoints on a real machine
      by the instruction, not by the number. <a href={`${import.meta.env.BASE_URL.replace(/\/?$/, "/")}fidelity/`}>What the model gets exact</a>
    </p>
  );
}
