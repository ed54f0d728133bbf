// Widget state in the URL hash: `#w=<widget id>&<key>=<value>...&v=<emulator version>`.
// Anything else in the hash (a heading anchor) is not ours and is left alone. A hash that claims
// to be ours but does not parse is refused with a message; its text never reaches the page as
// markup (widgets render messages as text, and the message never quotes the hash).

// Sizes a link holds (documented in ARCHITECTURE.md): a code block's whole editor (2,000
// characters of any text, 4 UTF-8 bytes each at most, base64url) and a kd session's commands.
export const MAX_HASH = 12000;
export const MAX_VALUE = 11000;

export type HashState = { id: string; fields: Map<string, string> };

export type HashRead =
  | { kind: 'none' }
  | { kind: 'ok'; state: HashState }
  | { kind: 'refused'; id?: string; reason: string };

const ID = /^[A-Za-z0-9][\w.-]{0,79}$/;
const KEY = /^[a-z]{1,8}$/;
const VALUE = new RegExp(`^[A-Za-z0-9_.,:~-]{0,${MAX_VALUE}}$`);

export function readHash(hash: string): HashRead {
  const h = hash.startsWith('#') ? hash.slice(1) : hash;
  if (!h.startsWith('w=')) return { kind: 'none' };
  if (h.length > MAX_HASH) return { kind: 'refused', reason: 'the link is too long to be a widget state' };
  const parts = h.split('&');
  const fields = new Map<string, string>();
  let id: string | undefined;
  for (const p of parts) {
    const eq = p.indexOf('=');
    if (eq <= 0) return { kind: 'refused', id, reason: 'the link has a part without a value' };
    const key = p.slice(0, eq);
    const value = p.slice(eq + 1);
    if (key === 'w') {
      if (!ID.test(value)) return { kind: 'refused', reason: 'the link names no widget of this page' };
      id = value;
      continue;
    }
    if (!KEY.test(key) || !VALUE.test(value)) return { kind: 'refused', id, reason: 'the link holds characters a widget state never has' };
    if (fields.has(key)) return { kind: 'refused', id, reason: `the link sets "${key}" twice` };
    fields.set(key, value);
  }
  if (!id) return { kind: 'refused', reason: 'the link names no widget' };
  return { kind: 'ok', state: { id, fields } };
}

export function writeHash(id: string, fields: Array<[string, string]>): string {
  return '#' + [['w', id], ...fields].map(([k, v]) => `${k}=${v}`).join('&');
}

/** Replaces the hash without scrolling or adding a history entry per click. */
export function setHash(hash: string): void {
  if (typeof history !== 'undefined' && location.hash !== hash) history.replaceState(null, '', hash);
}

/** A refusal not addressed to one widget is reported once per page, by the first widget that
 *  hydrates (widgets hydrate as they come into view). */
let generalRefusalReported = false;

/** Whether a refused hash should be reported by this widget: the one it names, or, when the hash
 *  names no valid widget, the first widget to ask. */
export function reportsRefusal(read: HashRead, id: string): boolean {
  if (read.kind !== 'refused') return false;
  if (read.id) return read.id === id;
  if (generalRefusalReported) return false;
  generalRefusalReported = true;
  return true;
}

/** A comma-separated list of hex offsets (`0,15`) -> numbers, or null if malformed. */
export function hexList(value: string, max = 64): number[] | null {
  if (value === '') return [];
  const parts = value.split(',');
  if (parts.length > max || parts.some((p) => !/^[0-9a-f]{1,6}$/.test(p))) return null;
  return parts.map((p) => parseInt(p, 16));
}

/** Any text (UTF-8) as base64url, the alphabet a hash value may hold. */
export function toBase64Url(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** base64url -> text, or null when it is not base64url of valid UTF-8. */
export function fromBase64Url(v: string): string | null {
  if (!/^[A-Za-z0-9_-]*$/.test(v)) return null;
  try {
    const bin = atob(v.replace(/-/g, '+').replace(/_/g, '/'));
    return new TextDecoder('utf-8', { fatal: true }).decode(Uint8Array.from(bin, (c) => c.charCodeAt(0)));
  } catch {
    return null;
  }
}

/** Drops this page's widget state from the address (a widget back at its original state). */
export function clearHash(): void {
  if (typeof history !== 'undefined' && location.hash.startsWith('#w=')) history.replaceState(null, '', location.pathname + location.search);
}
