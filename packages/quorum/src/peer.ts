import { hex64 } from '@zab/jute';
import type { QuorumConfig } from './config.js';
import { describeConfiguration, type Configuration } from './configuration.js';
import type { LinkMessageOf, PeerContext } from './context.js';
import type { Effect } from './effects.js';
import { Election, learningState } from './election.js';
import { History } from './history.js';
import { Leader } from './leader.js';
import { Learner } from './learner.js';
import { Membership } from './membership.js';
import type { Entry, Message, Notification, PeerState, Vote } from './messages.js';
import { isLinkMessage } from './messages.js';
import { assert } from './assert.js';

/** What a peer starts from: its durable state, as the host recovered it. */
export interface PeerInit<P> {
  acceptedEpoch: bigint;
  currentEpoch: bigint;
  /** The newest logged txns (at most a window's worth), ascending. */
  tail: Entry<P>[];
  /** The zxid just before tail[0]: the newest snapshot's or the last trimmed txn's. */
  base: bigint;
  /** The last zxid the host's state holds (after recovery: the last logged one). */
  appliedZxid: bigint;
  /** The newest durable snapshot's zxid (0n if none). */
  snapshotZxid: bigint;
  /** A random number from the host, so this incarnation's link ids differ from the last one's. */
  linkSeed: number;
  /**
   * The active configuration: the last `saveConfig`'s, or at first start the static one
   * (version 0; a joining server's may list only the servers it knows and itself).
   */
  config: Configuration;
  /** The last `saveConfig`'s proposed configurations (none at first start). */
  proposedConfigs?: Configuration[];
}

/**
 * One server's replication core: FastLeaderElection, then Leader or Learner, and back to
 * LOOKING when that role ends. Pure and deterministic: it changes only when called (a
 * message, a tick, a durable-write notice, a host request) and answers with effects the
 * host drains with `takeEffects()` and carries out in order (see Effect). No sockets, timers,
 * clock or randomness inside.
 */
export class QuorumPeer<P> {
  state: PeerState = 'LOOKING';
  /** The server id of the leader this peer follows or is; -1 while LOOKING. */
  leaderId = -1;
  private tickCount = 0;
  private effects: Effect<P>[] = [];
  private election: Election | null = null;
  private currentVote: Vote;
  private leader: Leader<P> | null = null;
  private learner: Learner<P> | null = null;
  private linkSeq = 0;
  /** FOLLOWERINFO/OBSERVERINFO that arrived while LOOKING, the latest per server: for the role this peer settles on. */
  private readonly earlyInfos = new Map<number, LinkMessageOf<P, 'FOLLOWERINFO' | 'OBSERVERINFO'>>();
  private readonly ctx: PeerContext<P>;
  private readonly membership: Membership;
  /**
   * Links of a leader that handed over, left open until their learners (moving to the new
   * leader on the commit they carried) close them, or until syncLimit.
   */
  private lingering: { peer: number; link: number; untilTick: number }[] = [];
  /** Why this peer last went LOOKING or changed role (for logs). */
  lastLookReason = 'start';

  constructor(readonly config: QuorumConfig, init: PeerInit<P>) {
    const history = new History<P>(init.tail, init.base, init.appliedZxid, config.committedLogMax, config.committedLogMaxBytes, config.entryBytes);
    this.currentVote = { leader: -1, zxid: 0n, electionEpoch: 0n, peerEpoch: 0n };
    this.membership = new Membership(config.myId, init.config, init.proposedConfigs ?? [], history.lastZxid, (active, proposed) =>
      this.emit({ kind: 'saveConfig', active, proposed }),
    );
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the context's getters read the peer's fields at each call
    const peer = this;
    this.ctx = {
      config,
      history,
      membership: this.membership,
      acceptedEpoch: init.acceptedEpoch,
      currentEpoch: init.currentEpoch,
      snapshotZxid: init.snapshotZxid,
      get tick() {
        return peer.tickCount;
      },
      emit: (e) => this.emit(e),
      send: (to, msg) => this.emit({ kind: 'send', to, msg }),
      log: (entries) => this.log(entries),
      commitUpTo: (zxid) => this.commitUpTo(zxid),
      saveEpochs: () => this.emit({ kind: 'saveEpochs', acceptedEpoch: this.ctx.acceptedEpoch, currentEpoch: this.ctx.currentEpoch }),
      lookAgain: (why) => this.becomeLooking(why),
      followConfiguration: (leader) => this.followConfiguration(leader),
      handOver: (successor, links) => this.handOver(successor, links),
    };
    this.linkSeq = init.linkSeed & 0x3fffffff;
    this.becomeLooking('start');
  }

  get history(): History<P> {
    return this.ctx.history;
  }
  get acceptedEpoch(): bigint {
    return this.ctx.acceptedEpoch;
  }
  get currentEpoch(): bigint {
    return this.ctx.currentEpoch;
  }
  get tick(): number {
    return this.tickCount;
  }
  /** Whether this peer may serve clients: an established leader or an up-to-date learner. */
  get isServing(): boolean {
    return (this.leader?.isServing ?? false) || (this.learner?.isServing ?? false);
  }
  /** The epoch this peer leads, once established. */
  get establishedEpoch(): bigint | null {
    return this.leader?.established ? this.leader.newEpoch : null;
  }
  get vote(): Vote {
    return this.election ? this.election.proposal : this.currentVote;
  }
  get syncedLearners(): { sid: number; observer: boolean; ackedZxid: bigint }[] {
    return this.leader?.syncedLearners() ?? [];
  }
  /** The configuration in force here. */
  get activeConfig(): Configuration {
    return this.membership.active;
  }
  /** Configurations whose reconfiguration this peer has logged but not seen committed. */
  get proposedConfigs(): readonly Configuration[] {
    return this.membership.proposed;
  }
  /** Whether a link message from `from` on `link` is for this peer's learner (one from any other link is stale and dropped). */
  isLearnerLink(from: number, link: number): boolean {
    return this.learner !== null && this.learner.leaderId === from && this.learner.link === link;
  }
  /** Leader: a reconfiguration is in flight (at most one is). */
  get reconfigInFlight(): boolean {
    return this.leader?.reconfigInFlight ?? false;
  }

  /** Everything asked of the host since the last call, in order. */
  takeEffects(): Effect<P>[] {
    const out = this.effects;
    this.effects = [];
    this.groupStart = null;
    return out;
  }

  private emit(e: Effect<P>): void {
    this.effects.push(e);
  }

  private log(entries: Entry<P>[]): void {
    this.ctx.history.append(entries);
    this.membership.onLogged(entries); // a proposed configuration is saved before its txn
    this.effects.push({ kind: 'append', entries: entries.slice() });
  }

  private commitUpTo(zxid: bigint): boolean {
    const h = this.ctx.history;
    if (zxid > h.lastZxid) zxid = h.lastZxid;
    if (zxid <= h.appliedZxid) return false;
    const entries = h.range(h.appliedZxid, zxid);
    // Commits go out in zxid order, each once: ascending, above what was applied, up to the commit point.
    let prev = h.appliedZxid;
    for (const e of entries) {
      assert(e.zxid > prev && e.zxid <= zxid, () => `commit of ${hex64(e.zxid)} after ${hex64(prev)} (committing up to ${hex64(zxid)})`);
      prev = e.zxid;
    }
    h.appliedZxid = zxid;
    this.emit({ kind: 'commit', entries });
    h.trim();
    return this.membership.onCommitted(zxid);
  }

  // ---- inputs ----

  onTick(): void {
    this.tickCount++;
    if (this.election) {
      const d = this.election.onTick(this.tickCount);
      if (d) this.settle(d.vote, d.state);
    }
    this.leader?.onTick();
    this.learner?.onTick();
    this.closeLingering((l) => l.untilTick <= this.tickCount);
  }

  onMessage(from: number, msg: Message<P>): void {
    if (!isLinkMessage(msg)) return this.onNotification(from, msg);
    if (this.leader) return this.leader.onMessage(from, msg);
    if (this.learner && this.isLearnerLink(from, msg.link)) return this.learner.onMessage(msg);
    if (msg.type !== 'FOLLOWERINFO' && msg.type !== 'OBSERVERINFO') return;
    // A learner that settled on this server before this server settled itself (it is still
    // waiting out finalizeWait): keep its FOLLOWERINFO for the leader this server may become,
    // rather than let the learner wait for its retry.
    if (this.state === 'LOOKING') {
      this.earlyInfos.set(from, msg);
      return;
    }
    // A learner that took this server for its leader: once this server has settled (as a
    // learner itself), say so, or that learner waits out initLimit before looking again.
    this.emit({ kind: 'send', to: from, msg: { type: 'NOTLEADER', link: msg.link } });
  }

  private onNotification(from: number, n: Notification): void {
    if (this.election) {
      // A newer configuration is committed: look again under it (as ZooKeeper restarts its
      // election when a notification brings one).
      if (n.config && this.membership.adopt(n.config)) {
        this.lastLookReason = `adopted configuration ${describeConfiguration(n.config)} from server ${from}`;
        this.election = this.newElection(this.election.logicalclock - 1n);
      }
      const d = this.election.onNotification(from, n, this.tickCount);
      if (d) this.settle(d.vote, d.state);
      return;
    }
    // Out of the election: tell a looking peer what was settled.
    if (n.state === 'LOOKING') {
      this.emit({ kind: 'send', to: from, msg: { type: 'NOTIFICATION', ...this.currentVote, state: this.state, config: this.membership.active } });
    }
  }

  /** The host made the log durable up to `zxid`. */
  onPersisted(zxid: bigint): void {
    const h = this.ctx.history;
    if (zxid > h.lastZxid) zxid = h.lastZxid;
    if (zxid <= h.persistedZxid) return;
    h.persistedZxid = zxid;
    this.leader?.onPersisted();
    this.learner?.onPersisted();
  }

  /** A learner link's connection broke. */
  onLinkDown(peer: number, link: number): void {
    this.lingering = this.lingering.filter((l) => l.peer !== peer || l.link !== link);
    if (this.earlyInfos.get(peer)?.link === link) this.earlyInfos.delete(peer);
    if (this.leader) return this.leader.onLinkDown(peer, link);
    if (this.learner && this.learner.leaderId === peer && this.learner.link === link) {
      this.becomeLooking(`connection to leader ${peer} lost`);
    }
  }

  /** The host saved a snapshot at `zxid` (of committed state). */
  onSnapshotSaved(zxid: bigint): void {
    if (zxid > this.ctx.snapshotZxid) this.ctx.snapshotZxid = zxid;
  }

  // ---- host requests ----

  /** The zxid the next proposal must carry, or null when this peer is not an established leader. */
  nextZxid(): bigint | null {
    return this.leader?.established ? this.leader.nextZxid() : null;
  }

  /**
   * Leader only: proposes a txn with the zxid nextZxid() gave. Proposals made in one turn
   * (nothing else emitted between them) share one append and one PROPOSAL per learner.
   */
  propose(zxid: bigint, payload: P): void {
    assert(this.leader, 'propose: not leading');
    const entry = this.leader.accept(zxid, payload);
    this.ctx.history.append([entry]);
    if (this.groupStart !== null && this.groupEnd === this.effects.length) {
      for (let i = this.groupStart; i < this.groupEnd; i++) {
        const e = this.effects[i]!;
        if (e.kind === 'append') e.entries.push(entry);
        // The followers' PROPOSALs share one array: the entry goes into it once.
        else if (e.kind === 'send' && e.msg.type === 'PROPOSAL' && e.msg.entries[e.msg.entries.length - 1] !== entry) e.msg.entries.push(entry);
      }
      return;
    }
    this.groupStart = this.effects.length;
    this.effects.push({ kind: 'append', entries: [entry] });
    this.leader.sendProposal(entry);
    this.groupEnd = this.effects.length;
  }
  private groupStart: number | null = null;
  private groupEnd = 0;

  /**
   * Leader only: proposes a reconfiguration, a txn carrying `config` (version = zxid, the
   * zxid nextZxid() gave) beside the host's payload. Throws while another is in flight.
   * Until it commits, it and every txn proposed after it need a quorum of the old voters
   * and of the new ones; it activates on commit. The host checks first that a quorum of
   * the new configuration is synced (isQuorumSynced), as ZooKeeper does.
   */
  proposeReconfig(zxid: bigint, payload: P, config: Configuration): void {
    if (!this.leader) throw new Error('propose: not leading');
    const entry = this.leader.acceptReconfig(zxid, payload, config);
    this.log([entry]);
    this.leader.sendProposal(entry);
    this.leader.promoteObservers();
    this.groupStart = null; // a later proposal starts its own append
  }

  /** Leader only: whether this leader and its synced followers hold a quorum of `config`. */
  isQuorumSynced(config: Configuration): boolean {
    return this.leader?.isQuorumSynced(config) ?? false;
  }

  /** Leader only: asks a quorum to confirm this leadership; `confirmed(token)` follows. */
  confirmLeadership(token: number): boolean {
    if (!this.leader?.established) return false;
    this.leader.confirmLeadership(token);
    return true;
  }

  sendToLeader(payload: unknown): boolean {
    return this.learner?.sendToLeader(payload) ?? false;
  }

  sendToLearner(sid: number, payload: unknown): boolean {
    return this.leader?.sendToLearner(sid, payload) ?? false;
  }

  // ---- roles ----

  private leaveRole(why: string): void {
    const wasServing = this.isServing;
    this.leader?.close();
    this.learner?.close();
    this.leader = null;
    this.learner = null;
    if (wasServing) this.emit({ kind: 'serving', serving: false, epoch: this.ctx.currentEpoch });
    this.earlyInfos.clear();
    this.lastLookReason = why;
  }

  private becomeLooking(why: string): void {
    this.leaveRole(why);
    this.state = 'LOOKING';
    this.leaderId = -1;
    this.emit({ kind: 'role', state: 'LOOKING', leader: -1, epoch: this.ctx.currentEpoch });
    this.election = this.newElection(this.election?.logicalclock ?? this.currentVote.electionEpoch);
  }

  private newElection(previousClock: bigint): Election {
    this.election = null;
    return new Election(this.config, this.membership, previousClock, this.ctx.history.lastZxid, this.ctx.currentEpoch, this.tickCount, (to, n) =>
      this.emit({ kind: 'send', to, msg: n }),
    );
  }

  /**
   * After a configuration activated under `leader`: moves to the role it gives this peer,
   * straight to that leader (no election, as ZooKeeper's reconfigFlag), if that differs.
   */
  private followConfiguration(leader: number): boolean {
    const me = this.config.myId;
    const state = learningState(leader, me, this.membership);
    if (leader === this.leaderId && state === this.state) return false;
    const why = `configuration ${describeConfiguration(this.membership.active)}: ${state} ${leader}`;
    if (leader === me && !this.membership.isVoter(me)) {
      this.becomeLooking(`${why}, but this server is not a voter of it`);
      return true;
    }
    this.leaveRole(why);
    this.settle({ leader, zxid: this.ctx.history.lastZxid, electionEpoch: this.currentVote.electionEpoch, peerEpoch: this.ctx.currentEpoch }, state);
    return true;
  }

  private handOver(successor: number, links: { peer: number; link: number }[]): void {
    const untilTick = this.tickCount + this.config.syncLimitTicks;
    for (const l of links) this.lingering.push({ ...l, untilTick });
    this.followConfiguration(successor);
  }

  private closeLingering(pred: (l: { peer: number; link: number; untilTick: number }) => boolean): void {
    if (!this.lingering.length) return;
    const [close, keep] = [this.lingering.filter(pred), this.lingering.filter((l) => !pred(l))];
    this.lingering = keep;
    for (const l of close) this.emit({ kind: 'closeLink', peer: l.peer, link: l.link });
  }

  private settle(vote: Vote, state: Exclude<PeerState, 'LOOKING'>): void {
    this.election = null;
    this.currentVote = vote;
    this.state = state;
    this.leaderId = vote.leader;
    this.emit({ kind: 'role', state, leader: vote.leader, epoch: this.ctx.currentEpoch });
    const early = [...this.earlyInfos];
    this.earlyInfos.clear();
    if (state === 'LEADING') {
      this.leader = new Leader(this.ctx);
      this.leader.start();
      for (const [from, info] of early) this.leader.onMessage(from, info);
    } else {
      for (const [from, info] of early) this.emit({ kind: 'send', to: from, msg: { type: 'NOTLEADER', link: info.link } });
      this.linkSeq = (this.linkSeq + 1) & 0x3fffffff;
      this.learner = new Learner(this.ctx, vote.leader, this.linkSeq, state === 'OBSERVING');
    }
  }
}
