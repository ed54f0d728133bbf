// A small mark under each demo: it was computed by the emulator on the modeled Windows build, and
// (filled in by the build, src/plugins/live-blocks.ts, from the routines the demo's runs entered)
// which of the routines it passed through are assumptions of the model rather than Windows'
// behaviour, each linked to its entry on the fidelity page. Static, no JavaScript.
import { BUILD } from '../emulator/src/windows/build.ts';
import { provenanceAnchor } from '../emulator/src/windows/provenance/anchor.ts';
import './fidelity-badge.css';

export interface BadgeRoutines {
  /** How many public routines of nt and ntdll the demo's runs entered. */
  ran: number;
  /** The assumed ones: [kd name, what the model does there]. */
  assumed: Array<[string, string]>;
}

function parse(json: string | undefined): BadgeRoutines | null {
  if (!json) return null;
  try {
    const v = JSON.parse(json) as BadgeRoutines;
    return typeof v.ran === 'number' && Array.isArray(v.assumed) ? v : null;
  } catch {
    return null;
  }
}

export default function FidelityBadge(props: { what?: string; routines?: string }) {
  const fidelity = `${import.meta.env.BASE_URL.replace(/\/?$/, '/')}fidelity/`;
  const r = parse(props.routines);
  const n = r?.assumed.length ?? 0;
  return (
    <p class="fidelity-badge">
      <span aria-hidden="true">⚙</span> {props.what ?? 'Computed by the emulator'} on the model of {BUILD.release} (build {BUILD.buildNumber}).{' '}
      {r && r.ran === 0 ? <span class="fidelity-steps">No routine of the modeled kernel ran for it. </span> : null}
      {r && r.ran > 0 && n === 0 ? <span class="fidelity-steps">It passes through {r.ran} modeled routine{r.ran > 1 ? 's' : ''}, none of them assumed. </span> : null}
      {r && n > 0 ? (
        <span class="fidelity-steps">
          It passes through {n} assumed step{n > 1 ? 's' : ''}:{' '}
          {r.assumed.map(([name, summary], i) => (
            <>
              {i > 0 ? '; ' : ''}
              <a href={`${fidelity}#${provenanceAnchor(name)}`}>{name.replace(/^nt!/, '')}</a> ({summary})
            </>
          ))}
          .{' '}
        </span>
      ) : null}
      <a href={fidelity}>What the model gets exact, and what it assumes</a>
    </p>
  );
}
