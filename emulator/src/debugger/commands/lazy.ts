// The browser's `#kd-command-set` (package.json "imports", "browser" condition): the command
// families beyond the core load on a kd console's first command (KdSession.execAsync awaits
// this), so the breakpoint lab and the stepper never download them.

let loading: Promise<void> | null = null;

export function loadFullCommandSet(): Promise<void> {
  loading ??= import('./index.ts').then(() => undefined);
  return loading;
}
