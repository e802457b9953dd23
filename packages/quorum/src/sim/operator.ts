import { configuration, type Configuration, type Member, type MemberRole } from '../configuration.js';
import type { Rng } from './rng.js';
import type { SimNode } from './node.js';

/** What the operator does to the simulated ensemble, through the hooks the simulation gives it. */
export interface OperatorHooks {
  /** The established leader that can take a proposal now, if any. */
  leader(): SimNode | null;
  /** Boots a new server with a static configuration (version 0) that includes it. */
  boot(id: number, config: Configuration): void;
  /** Switches a server off for good. */
  decommission(node: SimNode): void;
  /** Proposes a reconfiguration on the leader. */
  reconfigure(leader: SimNode, config: Configuration): void;
  /** The committed configuration, as the checker knows it. */
  committed(): Configuration;
}

/** A member with the simulator's made-up addresses (the core never reads them). */
export function simMember(sid: number, role: MemberRole, clientPort = 2181): Member {
  return { sid, role, host: `10.0.0.${sid}`, quorumPort: 2888, electionPort: 3888, clientHost: '0.0.0.0', clientPort };
}

/**
 * An operator changing the ensemble among the faults, as one would with ZooKeeper's
 * `reconfig`: boots joining servers (configured with the membership it knows plus
 * themselves), adds them once the leader has them synced, removes members (the leader too),
 * turns participants into observers and back, moves client ports, and switches removed
 * servers off once every member has the configuration without them. Like ZooKeeper's
 * server, it proposes only configurations a quorum of which is synced with the leader.
 */
export class Operator {
  /** Each server's role as it was booted (a joining server's intended role). */
  private readonly bootRole = new Map<number, MemberRole>();
  /** Every configuration proposed: one newer than the committed one may still commit. */
  private readonly proposed: Configuration[] = [];

  constructor(
    private readonly rng: Rng,
    private readonly nodes: Map<number, SimNode>,
    private readonly hooks: OperatorHooks,
    private readonly maxServers: number,
  ) {}

  /** One chance to act. */
  act(): void {
    if (this.rng.chance(0.25)) return this.maybeDecommission();
    const leader = this.hooks.leader();
    if (!leader || leader.peer!.reconfigInFlight) return;
    const current = leader.peer!.activeConfig;
    const next = this.change(current, leader);
    if (!next) return;
    const zxid = leader.peer!.nextZxid()!;
    const config = configuration(zxid, next);
    if (!leader.peer!.isQuorumSynced(config)) return; // ZooKeeper's NewConfigNoQuorum
    this.proposed.push(config);
    this.hooks.reconfigure(leader, config);
  }

  private change(current: Configuration, leader: SimNode): Member[] | null {
    const members = current.members.slice();
    const participants = members.filter((m) => m.role === 'participant');
    const outside = [...this.nodes.values()].filter((n) => n.up && !n.decommissioned && !members.some((m) => m.sid === n.id));
    switch (this.rng.int(0, 5)) {
      case 0: {
        // Boot a joining server; it is added later, once synced.
        if (this.nodes.size >= this.maxServers || outside.length >= 2) return null;
        const id = Math.max(...this.nodes.keys()) + 1;
        const role: MemberRole = this.rng.chance(0.7) ? 'participant' : 'observer';
        this.bootRole.set(id, role);
        this.hooks.boot(id, configuration(0n, [...members, simMember(id, role)]));
        return null;
      }
      case 1: {
        // Add a server the leader has synced.
        const synced = new Set(leader.peer!.syncedLearners.map((l) => l.sid));
        const ready = outside.filter((n) => synced.has(n.id));
        if (!ready.length) return null;
        const n = this.rng.pick(ready);
        return [...members, simMember(n.id, this.bootRole.get(n.id) ?? 'participant')];
      }
      case 2: {
        // Remove a member, the leader included; keep a participant.
        const m = this.rng.pick(members);
        if (m.role === 'participant' && participants.length === 1) return null;
        return members.filter((x) => x.sid !== m.sid);
      }
      case 3: {
        // A participant becomes an observer.
        if (participants.length === 1) return null;
        const m = this.rng.pick(participants);
        return members.map((x) => (x.sid === m.sid ? { ...x, role: 'observer' as const } : x));
      }
      case 4: {
        const observers = members.filter((m) => m.role === 'observer');
        if (!observers.length) return null;
        const m = this.rng.pick(observers);
        return members.map((x) => (x.sid === m.sid ? { ...x, role: 'participant' as const } : x));
      }
      default: {
        // A member moves its client port: a configuration like any other.
        const m = this.rng.pick(members);
        return members.map((x) => (x.sid === m.sid ? { ...x, clientPort: (x.clientPort ?? 2181) + 1 } : x));
      }
    }
  }

  /**
   * Switches off a server the committed configuration no longer has, once every member has
   * activated that configuration (an operator would check /zookeeper/config on each): before
   * that, a member still waiting for the commit may need the old quorum to elect.
   */
  private maybeDecommission(): void {
    const committed = this.hooks.committed();
    const needed = new Set(committed.members.map((m) => m.sid));
    for (const c of this.proposed) if (c.version > committed.version) for (const m of c.members) needed.add(m.sid);
    const removed = [...this.nodes.values()].filter((n) => !n.decommissioned && !needed.has(n.id));
    if (!removed.length) return;
    for (const m of committed.members) {
      const n = this.nodes.get(m.sid)!;
      if ((n.peer?.activeConfig ?? n.disk.config.active).version < committed.version) return;
    }
    this.hooks.decommission(this.rng.pick(removed));
  }
}
