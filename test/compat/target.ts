// Which server the compat suites run against: zab by default; ZAB_COMPAT_TARGET=zookeeper runs
// them against Apache ZooKeeper 3.8 itself, which checks that the suites expect what
// ZooKeeper does.
import { startServer, type RunningServer } from '../support/launch.js';

export const SUPER_PASSWORD = 'test';

export function compatTarget(): 'zab' | 'zookeeper' {
  const v = process.env['ZAB_COMPAT_TARGET'] ?? 'zab';
  if (v !== 'zab' && v !== 'zookeeper') throw new Error(`ZAB_COMPAT_TARGET must be zab or zookeeper, not ${v}`);
  return v;
}

/** A standalone server for one suite, with TTL nodes on and a fast container sweep. */
export function startCompatServer(): Promise<RunningServer> {
  return startServer(compatTarget(), {
    cfg: { extendedTypesEnabled: 'true', 'znode.container.checkIntervalMs': '200' },
    javaProps: { 'znode.container.checkIntervalMs': '200' },
  });
}

/** Polls `check` until it returns true or the bound passes (no fixed sleeps). */
export async function eventually(check: () => Promise<boolean> | boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let delay = 20;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(delay * 2, 250);
  }
  throw new Error(`timed out waiting for ${what}`);
}
