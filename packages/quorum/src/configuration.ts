/**
 * Membership as data: which servers form the ensemble, in which role, and where they listen.
 * A configuration changes only by a reconfiguration txn (or, once, by the first leader that
 * establishes a static one: see `version`); every quorum decision counts through a
 * QuorumVerifier built from one.
 */

export type MemberRole = 'participant' | 'observer';

/**
 * One server of a configuration: `server.<sid>=host:quorumPort:electionPort:role;clientHost:clientPort`
 * in ZooKeeper's notation. The client address is data for the host (which serves clients
 * there and publishes it); the quorum core never uses it.
 */
export interface Member {
  readonly sid: number;
  readonly role: MemberRole;
  readonly host: string;
  readonly quorumPort: number;
  readonly electionPort: number;
  readonly clientHost?: string;
  readonly clientPort?: number;
}

/**
 * An ensemble's membership, immutable. `version` is the zxid of the reconfiguration txn that
 * committed it. A static configuration (from zoo.cfg) has version 0 until a leader
 * establishes it; that leader gives it the version of its epoch's first zxid (epoch << 32),
 * as ZooKeeper does, so an established configuration outranks any static view (a joining
 * server's, say) and a server hearing of it adopts it.
 */
export interface Configuration {
  readonly version: bigint;
  /** Ascending by sid; at least one participant. */
  readonly members: readonly Member[];
}

/** Builds a configuration, checking what every quorum decision relies on. */
export function configuration(version: bigint, members: readonly Member[]): Configuration {
  if (version < 0n) throw new Error(`configuration version ${version} is negative`);
  const seen = new Set<number>();
  for (const m of members) {
    if (!Number.isInteger(m.sid) || m.sid <= 0) throw new Error(`server id ${m.sid} is not a positive integer`);
    if (seen.has(m.sid)) throw new Error(`server ${m.sid} appears twice in a configuration`);
    if (m.role !== 'participant' && m.role !== 'observer') throw new Error(`server ${m.sid} has role ${String(m.role)}`);
    seen.add(m.sid);
  }
  if (!members.some((m) => m.role === 'participant')) throw new Error('a configuration needs at least one participant');
  const sorted = members.map((m) => Object.freeze({ ...m })).sort((a, b) => a.sid - b.sid);
  return Object.freeze({ version, members: Object.freeze(sorted) });
}

/** The same configuration under another version (the first leader's stamp on a static one). */
export function withVersion(c: Configuration, version: bigint): Configuration {
  return configuration(version, c.members);
}

/** Whether two configurations list the same servers, roles and addresses (versions aside). */
export function sameMembers(a: Configuration, b: Configuration): boolean {
  if (a.members.length !== b.members.length) return false;
  return a.members.every((m, i) => sameMember(m, b.members[i]!));
}

function sameMember(a: Member, b: Member): boolean {
  return (
    a.sid === b.sid &&
    a.role === b.role &&
    a.host === b.host &&
    a.quorumPort === b.quorumPort &&
    a.electionPort === b.electionPort &&
    a.clientHost === b.clientHost &&
    a.clientPort === b.clientPort
  );
}

/** For logs: `v0x100000000 [1 2 3 4o]` (o: observer). */
export function describeConfiguration(c: Configuration): string {
  return `v0x${c.version.toString(16)} [${c.members.map((m) => `${m.sid}${m.role === 'observer' ? 'o' : ''}`).join(' ')}]`;
}

/**
 * Majority quorums over one configuration's participants: the only place a quorum is
 * counted. Observers and servers outside the configuration never count.
 */
export class QuorumVerifier {
  readonly voters: ReadonlySet<number>;
  readonly quorumSize: number;

  constructor(readonly config: Configuration) {
    this.voters = new Set(config.members.filter((m) => m.role === 'participant').map((m) => m.sid));
    this.quorumSize = Math.floor(this.voters.size / 2) + 1;
  }

  isVoter(sid: number): boolean {
    return this.voters.has(sid);
  }

  roleOf(sid: number): MemberRole | null {
    return this.config.members.find((m) => m.sid === sid)?.role ?? null;
  }

  /** Whether `sids` (distinct) include a majority of this configuration's voters; others are ignored. */
  containsQuorum(sids: Iterable<number>): boolean {
    let n = 0;
    for (const sid of sids) if (this.voters.has(sid) && ++n >= this.quorumSize) return true;
    return false;
  }

  /**
   * The highest zxid a quorum of voters has reached, given each server's (null: unknown),
   * or null when fewer than a quorum have reached anything.
   */
  quorumZxid(zxidOf: (sid: number) => bigint | null): bigint | null {
    const reached: bigint[] = [];
    for (const sid of this.voters) {
      const z = zxidOf(sid);
      if (z !== null) reached.push(z);
    }
    if (reached.length < this.quorumSize) return null;
    reached.sort((a, b) => (a > b ? -1 : a < b ? 1 : 0));
    return reached[this.quorumSize - 1]!;
  }
}
