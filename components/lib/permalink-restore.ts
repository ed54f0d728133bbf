// What every live widget does once it hydrates: it goes live, then restores the state a permalink
// (`#w=<id>&...&v=<version>`, see permalink.ts) gives it, or tells the reader why it refuses it.
import { useEffect, useState } from 'preact/hooks';
import { EMULATOR_VERSION } from './load.ts';
import { readHash, reportsRefusal } from './permalink.ts';

export type PermalinkRestore = {
  id: string;
  /** The fields this widget's links may set, besides the emulator version `v`. */
  keys: readonly string[];
  /** Why a link is refused that sets `key`, a field this widget does not have. */
  unknownKey: (key: string) => string;
  /** Appended to a refusal: what the widget does instead (' The lab starts empty.'). */
  fallback?: string;
  setNotice: (text: string) => void;
  /** Checks the link's own fields: returns why they are refused, or restores them and returns null. */
  restore: (fields: Map<string, string>) => string | null;
};

/** Returns whether the widget is live (hydrated); before that it shows what the build rendered. */
export function usePermalinkRestore(spec: PermalinkRestore): boolean {
  const [live, setLive] = useState(false);
  useEffect(() => {
    setLive(true);
    const refuse = (why: string) => spec.setNotice(`This link's widget state was refused: ${why}.${spec.fallback ?? ''}`);
    const read = readHash(location.hash);
    if (reportsRefusal(read, spec.id)) {
      refuse(read.kind === 'refused' ? read.reason : '');
      return;
    }
    if (read.kind !== 'ok' || read.state.id !== spec.id) return;
    const f = read.state.fields;
    // A link from another emulator version may no longer mean the same state: refused first.
    const unknown = [...f.keys()].find((k) => k !== 'v' && !spec.keys.includes(k));
    const why = f.get('v') !== EMULATOR_VERSION ? 'it was made with another version of the emulator'
      : unknown !== undefined ? spec.unknownKey(unknown)
      : spec.restore(f);
    if (why) refuse(why);
    // Once, on hydration: the link is read as the page opened.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);
  return live;
}
