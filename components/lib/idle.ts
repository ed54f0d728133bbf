// Work done while the browser is idle, so that a reader's first action costs a run, not a
// download, a compile and a boot (each of which is a main-thread task of its own).
export function idle(f: () => void): void {
  if (typeof requestIdleCallback === 'function') requestIdleCallback(f, { timeout: 2000 });
  else setTimeout(f, 200);
}

/** In idle time, loads `load()`'s module and then runs `then` on it in another idle callback. */
export function preload<T>(load: () => Promise<T>, then?: (m: T) => void): void {
  idle(() => {
    load().then((m) => { if (then) idle(() => then(m)); }, () => undefined);
  });
}
