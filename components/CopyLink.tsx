// "Copy link": puts the address of this page with the widget's current state (its `#w=...` hash)
// on the clipboard, and says so, or says what it could not do. Rendered by the build too (disabled
// until the widget is live), so hydration does not move the page.
import { useState } from 'preact/hooks';

export function CopyLink({ hash, live, dropped }: { hash: string; live: boolean; /** What the link leaves out, if anything. */ dropped?: string }) {
  const [said, setSaid] = useState('');
  const copy = async () => {
    const url = `${location.origin}${location.pathname}${location.search}${hash}`;
    try {
      await navigator.clipboard.writeText(url);
      setSaid(dropped ? `Link copied. ${dropped}` : 'Link copied: it reopens this widget as it is now.');
    } catch {
      setSaid(`The browser refused the clipboard; the link is in the address bar.`);
      history.replaceState(null, '', hash);
    }
  };
  return (
    <span class="copy-link">
      <button type="button" class="widget-button copy-link-button" disabled={!live} onClick={() => void copy()}>Copy link</button>
      <span class="copy-link-said" role="status">{said}</span>
    </span>
  );
}
