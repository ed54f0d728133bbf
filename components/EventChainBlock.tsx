// A run's causal chain as static HTML under its kd session (a block's `chain` meta): rendered at
// build time, no JavaScript (the data is the build's trace; the session's own island stays lean).
import EventChain, { type AssumedRoutines } from './EventChain.tsx';
import type { CompactEvent } from '../emulator/src/scenario/trace.ts';
import { parseProp } from './lib/widget-data.ts';

export default function EventChainBlock(props: { events: string; assumed: string; title?: string }) {
  const events = parseProp<CompactEvent[]>(props.events, 'causal chain');
  const assumed = parseProp<AssumedRoutines>(props.assumed, 'causal chain');
  if (!events.ok) return <p class="widget-error" role="alert">{events.message}</p>;
  return <EventChain events={events.value} assumed={assumed.ok ? assumed.value : undefined} title={props.title} />;
}
