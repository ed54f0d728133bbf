// Widget state in the URL hash: `#w=<widget id>&<key>=<value>...&v=<emulator version>`.
// Anything else in the hash (a heading anchor) is not ours and is left alone. A hash that claims
// to be ours but does not parse is refused with a message; its text never reaches the page as
// markup (widgets render messages as text, and the message never quotes the hash).

export const MAX_HASH = 2000;

export type HashState = { id: string; fields: Map<string, string> };

export type HashRead =
  | { kind: 'none' }
  | { kind: 'ok'; state: HashState }
  | { kind: 'refused'; id?: string; reason: string };

const ID = /^[A-Za-z0-9][\w.-]{0,79}$/;
const KEY = /^[a-z]{1,8}$/;
const VALUE = /^[A-Za-z0-9_.,:~-]{0,1000}$/;

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
