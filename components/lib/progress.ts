// Solved exercises, kept in this browser's localStorage under one key as { "<chapter>.<id>":
// "<ISO date solved>" }. The layout's inline script reads the same key for the sidebar and the
// landing page, and clears it (all, or one chapter) from the Reset buttons; both sides announce a
// change with the window event below.
export const PROGRESS_KEY = 'book-exercises';
export const PROGRESS_EVENT = 'book-exercises-change';

export function readProgress(): Record<string, string> {
  try {
    const v = JSON.parse(localStorage.getItem(PROGRESS_KEY) ?? '{}');
    return v && typeof v === 'object' && !Array.isArray(v) ? v : {};
  } catch {
    return {};
  }
}

/** Records a solved exercise; false when the browser keeps no storage (private mode, disabled). */
export function markSolved(key: string): boolean {
  try {
    const p = readProgress();
    if (!p[key]) p[key] = new Date().toISOString();
    localStorage.setItem(PROGRESS_KEY, JSON.stringify(p));
    dispatchEvent(new Event(PROGRESS_EVENT));
    return true;
  } catch {
    return false;
  }
}
