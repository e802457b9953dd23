import { QuorumVerifier, withVersion, type Configuration, type MemberRole } from './configuration.js';
import type { Entry } from './messages.js';
import { makeZxid } from '@zab/jute';

/**
 * One peer's view of its membership: the active configuration (committed, in force) and the
 * proposed ones (their reconfiguration txns logged here, or named by a leader's NEWLEADER,
 * but not yet known committed), oldest first. While any is proposed, every quorum this peer
 * counts must be a quorum of the active configuration AND of each proposed one: the txn that
 * would switch them may already be committed, or may yet be. Every change is handed to
 * `save`, which the host makes durable before anything after it happens, so a restarted peer
 * starts from the same view.
 *
 * Normally at most one configuration is proposed (a leader keeps one reconfiguration in
 * flight). A learner taking a DIFF that holds a committed reconfiguration and a later
 * proposed one briefly holds both, until UPTODATE tells it how far the leader has committed.
 */
export class Membership {
  active: Configuration;
  proposed: Configuration[];
  /** The quorum system of the active configuration. */
  activeVerifier!: QuorumVerifier;
  private verifiers!: QuorumVerifier[];
  /**
   * How this peer joins a leader when it is not a member of the active configuration (a
   * joining or a removed server): its role the last time it was a member, else as its
   * initial configuration says, else participant (a non-voting follower, as ZooKeeper's).
   */
  learnerType: MemberRole = 'participant';

  constructor(
    private readonly myId: number,
    active: Configuration,
    proposed: readonly Configuration[],
    lastZxid: bigint,
    private readonly save: (active: Configuration, proposed: Configuration[]) => void,
  ) {
    this.active = active;
    // A proposal whose txn never became durable here (the host saves the configuration
    // before the log write), or one superseded, is not this peer's to wait for.
    this.proposed = proposed.filter((c) => c.version > active.version && c.version <= lastZxid).sort(byVersion);
    const myRole = [active, ...proposed].map((c) => c.members.find((m) => m.sid === myId)?.role).find((r) => r !== undefined);
    if (myRole) this.learnerType = myRole;
    this.refresh();
    if (this.proposed.length !== proposed.length) this.save(this.active, this.proposed.slice());
  }

  private refresh(): void {
    this.activeVerifier = new QuorumVerifier(this.active);
    this.verifiers = [this.activeVerifier, ...this.proposed.map((c) => new QuorumVerifier(c))];
    const role = this.activeVerifier.roleOf(this.myId);
    if (role) this.learnerType = role;
  }

  private changed(): void {
    this.refresh();
    this.save(this.active, this.proposed.slice());
  }

  /** The newest configuration this peer knows of, committed or not. */
  get newest(): Configuration {
    return this.proposed[this.proposed.length - 1] ?? this.active;
  }

  /** A voter of the active or of a proposed configuration: its votes count, it may lead. */
  isVoter(sid: number): boolean {
    return this.verifiers.some((v) => v.isVoter(sid));
  }

  /** Every voter this peer knows of (active and proposed), ascending. */
  voters(): number[] {
    const all = new Set<number>();
    for (const v of this.verifiers) for (const sid of v.voters) all.add(sid);
    return [...all].sort((a, b) => a - b);
  }

  /** Whether `sids` (distinct) hold a quorum of every configuration in play: what leading (and settling an election) needs. */
  containsQuorum(sids: readonly number[]): boolean {
    return this.verifiers.every((v) => v.containsQuorum(sids));
  }

  /**
   * Whether `sids` hold a quorum of some configuration in play: enough to join a leader the
   * others have settled on (which itself needed every quorum of its own). A server whose
   * proposed configuration was never committed could otherwise not rejoin the ensemble.
   */
  containsAnyQuorum(sids: readonly number[]): boolean {
    return this.verifiers.some((v) => v.containsQuorum(sids));
  }

  // ---- transitions ----

  /** Logged txns: a reconfiguration among them is proposed from now on. */
  onLogged(entries: readonly Entry<unknown>[]): void {
    let changed = false;
    for (const e of entries) {
      if (e.config && e.config.version > this.newest.version) {
        this.proposed.push(e.config);
        changed = true;
      }
    }
    if (changed) this.changed();
  }

  /** The log lost everything above `zxid`: reconfigurations there were never committed. */
  onTruncated(zxid: bigint): void {
    const kept = this.proposed.filter((c) => c.version <= zxid);
    if (kept.length === this.proposed.length) return;
    this.proposed = kept;
    this.changed();
  }

  /**
   * The leader's state at `zxid` replaced this peer's, with `config` active in it. What this
   * peer had proposed is gone with its log; what the leader still has in flight comes with
   * NEWLEADER and the DIFF.
   */
  onSnapshot(config: Configuration): void {
    const active = config.version > this.active.version ? config : this.active;
    if (active === this.active && !this.proposed.length) return;
    this.active = active;
    this.proposed = [];
    this.changed();
  }

  /** A leader's NEWLEADER names the configurations its history brings: await them too. */
  onNewLeader(configs: readonly Configuration[]): void {
    let changed = false;
    for (const c of configs) {
      if (c.version <= this.active.version || this.proposed.some((p) => p.version === c.version)) continue;
      this.proposed.push(c);
      changed = true;
    }
    if (!changed) return;
    this.proposed.sort(byVersion);
    this.changed();
  }

  /** Txns up to `zxid` are committed: reconfigurations among them activate. True if one did. */
  onCommitted(zxid: bigint): boolean {
    let last: Configuration | null = null;
    while (this.proposed.length && this.proposed[0]!.version <= zxid) last = this.proposed.shift()!;
    if (!last) return false;
    this.active = last;
    this.changed();
    return true;
  }

  /**
   * A committed configuration learned from a peer (an election notification, a leader's
   * UPTODATE): active from now on if newer. True if it was.
   */
  adopt(config: Configuration): boolean {
    if (config.version <= this.active.version) return false;
    this.active = config;
    this.proposed = this.proposed.filter((c) => c.version > config.version);
    this.changed();
    return true;
  }

  /**
   * What a leader's NEWLEADER names: its active configuration (once established, so a
   * learner behind catches up) and those proposed by the part of its history the learner
   * gets (`upTo`: an observer gets only what is committed).
   */
  newLeaderConfigs(upTo: bigint): Configuration[] {
    const proposed = this.proposed.filter((c) => c.version <= upTo);
    return this.active.version > 0n ? [this.active, ...proposed] : proposed;
  }

  /**
   * A leader of `epoch` is established: everything its history proposed is committed, and
   * a static configuration gets its first version. True if the active one changed.
   */
  onEstablished(epoch: bigint): boolean {
    let active = this.proposed[this.proposed.length - 1] ?? this.active;
    if (active.version === 0n) active = withVersion(active, makeZxid(epoch, 0n));
    if (active === this.active) return false;
    this.active = active;
    this.proposed = [];
    this.changed();
    return true;
  }
}

function byVersion(a: Configuration, b: Configuration): number {
  return a.version < b.version ? -1 : a.version > b.version ? 1 : 0;
}
