// A kd session's permalink: `#w=<id>&c=<commands>&t=<position>&v=<version>`. `c` holds the typed
// commands (base64url of UTF-8 lines joined by newlines), as many as fit; `t` the time-travel
// position the session stood at (hex, as `!tt` writes it without its `:0`), when the session keeps
// a history. Replaying the commands on a fresh boot reaches the same position (the session is
// deterministic); when it does not (the link dropped commands, or the emulator reaches another
// place), the widget travels to the recorded position with `!tt` and says so.

import { MAX_HASH, MAX_VALUE, fromBase64Url, toBase64Url, writeHash } from './permalink.ts';

/** Commands a link carries (all of them up to this; beyond it, the link says what it dropped). */
export const MAX_COMMANDS = 200;
/** Longest command line the prompt takes; a longer one is refused with a message, never cut. */
export const MAX_LINE = 1000;

export function encodeCommands(lines: string[]): string {
  return toBase64Url(lines.join('\n'));
}

export function decodeCommands(v: string): string[] | null {
  const text = fromBase64Url(v);
  if (text === null) return null;
  const lines = text.split('\n');
  if (lines.length > MAX_COMMANDS || lines.some((l) => l.length > MAX_LINE || /[\x00-\x1f\x7f]/.test(l))) return null;
  return lines;
}

/** `t`: a position, or null when malformed. */
export function decodePosition(v: string): number | null {
  return /^[0-9a-f]{1,12}$/.test(v) ? Number.parseInt(v, 16) : null;
}

/** The time-travel position of a session that keeps a history, else undefined. */
export function positionOf(s: { kernel: { history?: { enabled: boolean; position: number } } }): number | undefined {
  const h = s.kernel.history;
  return h?.enabled ? h.position : undefined;
}

/** The link for `lines` (all of them, or the longest prefix that fits) at `position`, and how many
 *  commands it left out. */
export function linkFor(id: string, version: string, lines: string[], position?: number): { hash: string; dropped: number } {
  let keep = Math.min(lines.length, MAX_COMMANDS);
  const t: Array<[string, string]> = position !== undefined && lines.length > 0 ? [['t', position.toString(16)]] : [];
  const make = (n: number) => writeHash(id, [['c', encodeCommands(lines.slice(0, n))], ...t, ['v', version]]);
  // Both limits a reader's browser checks (permalink.ts): the whole hash, and one value.
  const fits = (n: number) => make(n).length <= MAX_HASH && encodeCommands(lines.slice(0, n)).length <= MAX_VALUE;
  while (keep > 0 && !fits(keep)) keep--;
  return { hash: make(keep), dropped: lines.length - keep };
}

/** After a link's commands ran: nothing to do, or the `!tt` that takes the session to the
 *  position the link records, with the reader's note. */
export function positionFix(reached: number | undefined, claimed: number | undefined): { command: string; note: string } | null {
  if (claimed === undefined || reached === undefined || reached === claimed) return null;
  const text = (p: number) => `${p.toString(16).toUpperCase()}:0`;
  return {
    command: `!tt ${text(claimed)}`,
    note: `This link's commands reached time-travel position ${text(reached)}, not the ${text(claimed)} it records; kd travelled there with !tt ${text(claimed)}.`,
  };
}
