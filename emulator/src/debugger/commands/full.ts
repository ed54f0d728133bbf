// The whole command set, registered at once: what Node (tests, the `kd` CLI, the site's build)
// gets for `#kd-command-set` (package.json "imports"). Browsers get lazy.ts instead.

import './index.ts';

export function loadFullCommandSet(): Promise<void> {
  return Promise.resolve();
}
