import { inNs, run, succeeds } from './sh.js';

/** Every name a run creates starts with this, then the pid of the process that owns the run. */
export const RUN_PREFIX = 'zabchaos-';

/**
 * The private /24 a run assigns inside its own namespaces (nothing outside them sees it, so
 * two runs on one machine do not collide): members from .11, the driver at .100, clients
 * from .101.
 */
const SUBNET = '10.77.99';
const MAX_MEMBERS = 9;
const MAX_CLIENTS = 99;

/**
 * The network of one run, all in namespaces it owns: a switch namespace holding a bridge,
 * one namespace per member and one for the clients, each joined to the bridge by a veth pair
 * created directly between the two namespaces (no interface ever exists in the host's
 * namespace). The switch's ports are named after what they lead to (m1.., cl); every port
 * is where the network faults apply.
 */
export interface Topology {
  readonly runId: string;
  readonly members: number;
  readonly clients: number;
  readonly switchNs: string;
  readonly clientsNs: string;
  memberNs(id: number): string;
  memberIp(id: number): string;
  /** The switch port leading to member `id`. */
  memberPort(id: number): string;
  /** The address of the driver (never cut off). */
  readonly driverIp: string;
  clientIp(index: number): string;
}

export function runIdFor(pid: number): string {
  return `${RUN_PREFIX}${pid}`;
}

export function describeTopology(runId: string, members: number, clients: number): Topology {
  if (members < 1 || members > MAX_MEMBERS) throw new Error(`members must be 1..${MAX_MEMBERS}`);
  if (clients < 0 || clients > MAX_CLIENTS) throw new Error(`clients must be 0..${MAX_CLIENTS}`);
  return {
    runId,
    members,
    clients,
    switchNs: `${runId}-sw`,
    clientsNs: `${runId}-cl`,
    memberNs: (id) => `${runId}-m${id}`,
    memberIp: (id) => `${SUBNET}.${10 + id}`,
    memberPort: (id) => `m${id}`,
    driverIp: `${SUBNET}.100`,
    clientIp: (k) => `${SUBNET}.${101 + k}`,
  };
}

/** Creates the namespaces, bridge and links of `t`; on failure removes what it made. */
export async function createTopology(t: Topology): Promise<void> {
  try {
    await run('ip', ['netns', 'add', t.switchNs]);
    await inNs(t.switchNs, ['ip', 'link', 'set', 'lo', 'up']);
    await inNs(t.switchNs, ['ip', 'link', 'add', 'br0', 'type', 'bridge']);
    await inNs(t.switchNs, ['ip', 'link', 'set', 'br0', 'up']);
    const plug = async (ns: string, port: string, addresses: string[]) => {
      await run('ip', ['netns', 'add', ns]);
      await inNs(ns, ['ip', 'link', 'set', 'lo', 'up']);
      // Made in the switch namespace with its peer straight in `ns`.
      await run('ip', ['-n', t.switchNs, 'link', 'add', port, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
      await run('ip', ['-n', t.switchNs, 'link', 'set', port, 'master', 'br0']);
      await run('ip', ['-n', t.switchNs, 'link', 'set', port, 'up']);
      for (const a of addresses) await run('ip', ['-n', ns, 'addr', 'add', `${a}/24`, 'dev', 'eth0']);
      await run('ip', ['-n', ns, 'link', 'set', 'eth0', 'up']);
    };
    for (let id = 1; id <= t.members; id++) await plug(t.memberNs(id), t.memberPort(id), [t.memberIp(id)]);
    await plug(t.clientsNs, 'cl', [t.driverIp, ...Array.from({ length: t.clients }, (_, k) => t.clientIp(k))]);
  } catch (e) {
    await destroyNamespaces(t.runId);
    throw e;
  }
}

/** Namespaces whose names start with `runId-`. */
export async function namespacesOf(runId: string): Promise<string[]> {
  const out = await run('ip', ['netns', 'list']);
  return out
    .split('\n')
    .map((l) => l.split(' ')[0]!)
    .filter((n) => n.startsWith(`${runId}-`));
}

/** Kills every process still inside the run's namespaces, then deletes the namespaces. */
export async function destroyNamespaces(runId: string): Promise<void> {
  for (const ns of await namespacesOf(runId)) {
    const pids = (await run('ip', ['netns', 'pids', ns]).catch(() => ''))
      .split('\n')
      .map((s) => Number(s.trim()))
      .filter((p) => p > 0 && p !== process.pid);
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await succeeds('ip', ['netns', 'del', ns]);
  }
}
