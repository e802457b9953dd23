// Which server the compat suites run against: zab by default; ZAB_COMPAT_TARGET=zookeeper runs
// them against Apache ZooKeeper 3.8 itself, which checks that the suites expect what
// ZooKeeper does.
import { startEnsemble } from '../support/ensemble.js';
import { startServer } from '../support/launch.js';

export const SUPER_PASSWORD = 'test';

const TARGETS = ['zab', 'zookeeper', 'zab-ensemble', 'zookeeper-ensemble'] as const;
export type CompatTarget = (typeof TARGETS)[number];

/** ZAB_COMPAT_TARGET: zab (default), zookeeper, or a 3-node ensemble of either. */
export function compatTarget(): CompatTarget {
  const v = process.env['ZAB_COMPAT_TARGET'] ?? 'zab';
  if (!(TARGETS as readonly string[]).includes(v)) throw new Error(`ZAB_COMPAT_TARGET must be one of ${TARGETS.join(', ')}, not ${v}`);
  return v as CompatTarget;
}

/** What a compat suite runs against. */
export interface CompatServer {
  /** The client port of the first (or only) server. */
  port: number;
  /** A connect string for the n-th client: each starts at a different member of an ensemble. */
  hosts(n: number): string;
  /** Every member, for clients that pick one themselves. */
  allHosts: string;
  stop(): Promise<void>;
}

const CFG = { extendedTypesEnabled: 'true', 'znode.container.checkIntervalMs': '200' };
const JAVA_PROPS = { 'znode.container.checkIntervalMs': '200' };

/** The server (or ensemble) for one suite, with TTL nodes on and a fast container sweep. */
export async function startCompatServer(): Promise<CompatServer> {
  const target = compatTarget();
  if (target === 'zab' || target === 'zookeeper') {
    const s = await startServer(target, { cfg: CFG, javaProps: JAVA_PROPS });
    const host = `127.0.0.1:${s.port}`;
    return { port: s.port, hosts: () => host, allHosts: host, stop: () => s.stop() };
  }
  const ens = await startEnsemble(target === 'zab-ensemble' ? 'zab' : 'zookeeper', { cfg: CFG, javaProps: JAVA_PROPS, tickTimeMs: 2000 });
  const ports = ens.members.map((m) => m.clientPort);
  return {
    port: ports[0]!,
    // One member per client: clients of one test talk to different servers.
    hosts: (n) => `127.0.0.1:${ports[n % ports.length]}`,
    allHosts: ens.connectString,
    stop: () => ens.stop(),
  };
}

