// A small mark under each demo: it was computed by the emulator on the modeled Windows build,
// with a link to the page that says what is exact and what is simplified. Static, no JavaScript.
import { BUILD } from '../emulator/src/windows/build.ts';
import './fidelity-badge.css';

export default function FidelityBadge(props: { what?: string }) {
  return (
    <p class="fidelity-badge">
      <span aria-hidden="true">⚙</span> {props.what ?? 'Computed by the emulator'} on the model of {BUILD.release} (build {BUILD.buildNumber}).{' '}
      <a href={`${import.meta.env.BASE_URL.replace(/\/?$/, '/')}fidelity/`}>What the model gets exact, and what it simplifies</a>
    </p>
  );
}
