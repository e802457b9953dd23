import { epochOf, hex64, makeZxid } from '@zab/jute';
import { QuorumVerifier, type Configuration } from './configuration.js';
import type { LinkMessageOf, PeerContext } from './context.js';
import { commitPoint, designate, type Joint } from './joint.js';
import type { Entry, LinkMessage } from './messages.js';
import { assert } from './assert.js';

type HandlerPhase = 'info' | 'epoch' | 'synced' | 'uptodate';

/**
 * A commit of at most this many txns is applied here before the COMMITs of the learners that
 * did not send the last REQUEST. Each COMMIT is a socket write that, on one machine, wakes
 * another member which may take the CPU from this one: a client of this leader waited for
 * every one of them (four with five members) before its txn was applied and answered. A few
 * txns apply in tens of microseconds, so the other learners' COMMITs leave only that much
 * later; a large batch's apply would hold them longer, so it keeps ZooKeeper's order (every
 * COMMIT first).
 */
export const APPLY_BEFORE_COMMITS_MAX_TXNS = 4;

/**
 * The leader's view of one connected learner (ZooKeeper's LearnerHandler). Any server may
 * connect, in or out of the configuration: a follower's acks count wherever it is a voter
 * of the configuration being counted; an observer never acks.
 */
interface LearnerHandler {
  readonly sid: number;
  readonly link: number;
  /**
   * Fed INFORMs of committed txns, acks nothing. A server that connects as an observer but
   * is a voter of a configuration in play here is fed as a follower: its acks may be needed.
   */
  observer: boolean;
  /** At ACKEPOCH its history was ahead of this leader's; it is not a voter, so it gets SNAP. */
  ahead: boolean;
  phase: HandlerPhase;
  acceptedEpoch: bigint;
  ackEpoch: LinkMessageOf<unknown, 'ACKEPOCH'> | null;
  /** Everything up to here is durable in the learner's log (followers only). */
  ackedZxid: bigint;
  ackedNewLeader: boolean;
  lastHeardTick: number;
  /** The newest ping round it answered. */
  pingRound: number;
}

/**
 * A leader from the moment it won an election (or was designated by its predecessor):
 * discovery (a quorum's FOLLOWERINFO fixes the new epoch above every accepted one; a quorum's
 * ACKEPOCH confirms no voter is ahead), sync of each learner (DIFF, TRUNC+DIFF or SNAP, then
 * NEWLEADER), establishment once a quorum (itself included, its history durable) acked
 * NEWLEADER, then broadcast. Every quorum is one of each configuration in play (see
 * Membership). It gives up if not established within initLimit ticks, or when no quorum was
 * heard from for syncLimit ticks; it hands over when a configuration it is not a voter of
 * activates.
 */
export class Leader<P> {
  private readonly handlers = new Map<number, LearnerHandler>();
  private readonly startTick: number;
  newEpoch: bigint | null = null;
  private epochConfirmed = false;
  established = false;
  /** Serving announced (established, and not handing over at once). */
  private announced = false;
  private lastProposedZxid = 0n;
  private round = 0;
  private nextPingTick: number;
  private confirmWaiters: { round: number; token: number }[] = [];
  private joint: Joint | null = null;
  /** The learner whose REQUEST came last: its COMMITs go out first (see sendCommit). */
  private lastRequester: number | null = null;

  constructor(private readonly ctx: PeerContext<P>) {
    this.startTick = ctx.tick;
    this.nextPingTick = ctx.tick + ctx.config.pingIntervalTicks;
  }

  /** Begins discovery; called once the peer holds this role (a lone voter may settle, or give up, at once). */
  start(): void {
    this.maybeDecideEpoch();
  }

  get isServing(): boolean {
    return this.announced;
  }

  /** Learners synced with this leader, for figures (followers, observers). */
  syncedLearners(): { sid: number; observer: boolean; ackedZxid: bigint }[] {
    return [...this.handlers.values()]
      .filter((h) => h.phase === 'uptodate')
      .map((h) => ({ sid: h.sid, observer: h.observer, ackedZxid: h.ackedZxid }));
  }

  private sendTo(h: LearnerHandler, msg: LinkMessage<P>): void {
    this.ctx.send(h.sid, msg);
  }

  /** Whether this leader and the followers (never observers) that pass `pred` hold a quorum of every configuration in play. */
  private hasQuorum(pred: (h: LearnerHandler) => boolean, holds = (sids: number[]) => this.ctx.membership.containsQuorum(sids)): boolean {
    const sids = [this.ctx.config.myId];
    for (const h of this.handlers.values()) if (!h.observer && pred(h)) sids.push(h.sid);
    return holds(sids);
  }

  onMessage(from: number, m: LinkMessage<P>): void {
    if (m.type === 'FOLLOWERINFO' || m.type === 'OBSERVERINFO') return this.onInfo(from, m);
    const h = this.handlers.get(from);
    if (!h || h.link !== m.link) return;
    h.lastHeardTick = this.ctx.tick;
    switch (m.type) {
      case 'ACKEPOCH':
        return this.onAckEpoch(h, m);
      case 'ACK':
        return this.onAck(h, m.zxid, m.newLeader);
      case 'PING':
        if (m.round > h.pingRound) h.pingRound = m.round;
        if (m.payload !== undefined) this.ctx.emit({ kind: 'request', from, payload: m.payload });
        return this.maybeConfirm();
      case 'REQUEST':
        this.lastRequester = from;
        if (this.established) this.ctx.emit({ kind: 'request', from, payload: m.payload });
        return;
      default:
        return;
    }
  }

  private onInfo(from: number, m: LinkMessageOf<P, 'FOLLOWERINFO' | 'OBSERVERINFO'>): void {
    const { ctx } = this;
    const observer = m.type === 'OBSERVERINFO' && !ctx.membership.isVoter(from);
    const old = this.handlers.get(from);
    if (old && old.link === m.link) return; // a retry of a FOLLOWERINFO already handled
    if (this.newEpoch !== null && m.acceptedEpoch > this.newEpoch) {
      // It promised a later (failed) leader not to follow this epoch, so it never could: a
      // voter elects again, above its epoch, rather than be left out for good; a server
      // outside the configuration waits for the next epoch.
      if (!ctx.membership.isVoter(from)) return;
      return ctx.lookAgain(`server ${from} accepted epoch ${m.acceptedEpoch}, above this leader's ${this.newEpoch}`);
    }
    if (old) this.drop(old);
    const h: LearnerHandler = {
      sid: from,
      link: m.link,
      observer,
      ahead: false,
      phase: 'info',
      acceptedEpoch: m.acceptedEpoch,
      ackEpoch: null,
      ackedZxid: 0n,
      ackedNewLeader: false,
      lastHeardTick: ctx.tick,
      pingRound: 0,
    };
    this.handlers.set(from, h);
    if (this.newEpoch !== null) this.sendTo(h, { type: 'LEADERINFO', link: h.link, epoch: this.newEpoch });
    else this.maybeDecideEpoch();
  }

  /** The new epoch: above every acceptedEpoch of a quorum (this leader included). */
  private maybeDecideEpoch(): void {
    const { ctx } = this;
    if (!this.hasQuorum(() => true)) return;
    let max = ctx.acceptedEpoch;
    for (const h of this.handlers.values()) if (h.acceptedEpoch > max) max = h.acceptedEpoch;
    this.newEpoch = max + 1n;
    ctx.acceptedEpoch = this.newEpoch;
    ctx.saveEpochs();
    for (const h of this.handlers.values()) this.sendTo(h, { type: 'LEADERINFO', link: h.link, epoch: this.newEpoch });
    this.maybeConfirmEpoch(); // a lone voter confirms its own epoch
  }

  private onAckEpoch(h: LearnerHandler, m: LinkMessageOf<P, 'ACKEPOCH'>): void {
    const { ctx } = this;
    if (h.phase !== 'info') return;
    const hist = ctx.history;
    const ahead = m.currentEpoch > ctx.currentEpoch || (m.currentEpoch === ctx.currentEpoch && m.lastZxid > hist.lastZxid);
    if (ahead) {
      // A voter ahead means this election chose wrong: elect again, so it can win. An observer
      // cannot lead, and holds only committed txns, which an elected leader has: one that says
      // it is ahead is broken or lying, and losing it must not cost the ensemble its leader.
      if (h.observer) return this.drop(h);
      // A server outside the configuration holds nothing that needed it: it starts over from a snapshot.
      if (ctx.membership.isVoter(h.sid)) return ctx.lookAgain(`learner ${h.sid} is ahead of this leader (epoch ${m.currentEpoch}, zxid ${hex64(m.lastZxid)})`);
    }
    h.ackEpoch = m;
    h.ahead = ahead;
    h.phase = 'epoch';
    if (this.epochConfirmed) return this.syncLearner(h);
    this.maybeConfirmEpoch();
  }

  /** Once a quorum acked the new epoch (nobody voting is ahead), syncs the learners that did. */
  private maybeConfirmEpoch(): void {
    if (this.epochConfirmed || !this.hasQuorum((x) => x.ackEpoch !== null)) return;
    this.epochConfirmed = true;
    for (const x of this.handlers.values()) if (x.phase === 'epoch') this.syncLearner(x);
    this.maybeEstablish();
  }

  /**
   * Brings a learner to this leader's history: DIFF from where it is, TRUNC first when it
   * holds txns this leader does not (or applied ones not committed), SNAP when it is beyond
   * the window held in memory or would be truncated below its own snapshot. Then NEWLEADER.
   */
  private syncLearner(h: LearnerHandler): void {
    const { ctx } = this;
    const hist = ctx.history;
    const a = h.ackEpoch!;
    // What will be committed once established: all history while establishing.
    const commitPoint = this.established ? hist.appliedZxid : hist.lastZxid;
    let target = hist.floor(a.lastZxid < hist.lastZxid ? a.lastZxid : hist.lastZxid);
    if (target !== null && a.appliedZxid > commitPoint && target > commitPoint) target = commitPoint;
    // An empty learner takes a snapshot rather than the whole history replayed.
    const empty = a.lastZxid === 0n && hist.appliedZxid > 0n;
    if (h.ahead || empty || target === null || target < a.snapshotZxid || !hist.has(target)) {
      this.sendTo(h, { type: 'SNAP', link: h.link, zxid: hist.appliedZxid, config: ctx.membership.active });
      target = hist.appliedZxid;
    } else if (target < a.lastZxid) {
      this.sendTo(h, { type: 'TRUNC', link: h.link, zxid: target });
    }
    // Observers take only what will be committed; later txns reach them as INFORMs.
    const upTo = h.observer ? commitPoint : hist.lastZxid;
    this.sendTo(h, { type: 'DIFF', link: h.link, entries: hist.range(target, upTo) });
    this.sendTo(h, { type: 'NEWLEADER', link: h.link, zxid: makeZxid(this.newEpoch!, 0n), configs: ctx.membership.newLeaderConfigs(upTo) });
    h.phase = 'synced';
  }

  private onAck(h: LearnerHandler, zxid: bigint, newLeader: boolean): void {
    if (zxid > h.ackedZxid) h.ackedZxid = zxid;
    if (newLeader && !h.ackedNewLeader) {
      h.ackedNewLeader = true;
      if (this.established) this.sendUpToDate(h);
      else this.maybeEstablish();
    }
    if (this.established) this.maybeCommit();
  }

  private sendUpToDate(h: LearnerHandler, designatedLeader?: number): void {
    const { ctx } = this;
    this.sendTo(h, { type: 'UPTODATE', link: h.link, zxid: ctx.history.appliedZxid, config: ctx.membership.active, designatedLeader });
    h.phase = 'uptodate';
  }

  private maybeEstablish(): void {
    const { ctx } = this;
    if (this.established || !this.epochConfirmed) return;
    const hist = ctx.history;
    if (hist.persistedZxid < hist.lastZxid) return; // the leader's own ack waits for its log
    if (!this.hasQuorum((h) => h.ackedNewLeader)) return;
    this.established = true;
    const epoch = this.newEpoch!;
    assert(epoch > ctx.currentEpoch, () => `leader: new epoch ${epoch} is not above the current ${ctx.currentEpoch}`);
    ctx.currentEpoch = epoch;
    ctx.saveEpochs();
    // Its whole history commits, and with it any configuration the history proposed (as
    // ZooKeeper completes a reconfiguration it finds pending when it takes over).
    const activated = ctx.commitUpTo(hist.lastZxid);
    const changed = ctx.membership.onEstablished(epoch) || activated;
    this.lastProposedZxid = makeZxid(epoch, 0n);
    const successor = changed ? this.successor() : null;
    for (const h of this.handlers.values()) if (h.ackedNewLeader) this.sendUpToDate(h, successor ?? undefined);
    if (successor !== null) return this.handOver(successor);
    this.announced = true;
    ctx.emit({ kind: 'serving', serving: true, epoch: ctx.currentEpoch });
  }

  /** The zxid the next proposal must carry. */
  nextZxid(): bigint {
    return this.lastProposedZxid + 1n;
  }

  /** Whether a reconfiguration is in flight (proposed, not committed): another waits until it is not. */
  get reconfigInFlight(): boolean {
    return this.joint !== null;
  }

  /** Checks and takes a reconfiguration's zxid: until it commits, commits need a quorum of the old voters and of the new ones. */
  acceptReconfig(zxid: bigint, payload: P, config: Configuration): Entry<P> {
    if (this.reconfigInFlight) throw new Error('propose: a reconfiguration is already in flight');
    if (config.version !== zxid) throw new Error(`propose: configuration version ${hex64(config.version)} is not its txn's zxid ${hex64(zxid)}`);
    const entry = { ...this.accept(zxid, payload), config };
    this.joint = { from: zxid, old: this.ctx.membership.activeVerifier, next: new QuorumVerifier(config) };
    return entry;
  }

  /**
   * After proposing a reconfiguration: an observer it makes a voter is fed as a follower
   * from now on, so its acks count toward the new quorum (ZooKeeper leaves it out until the
   * commit, and so cannot promote an observer the others do not outvote). It has had every
   * committed txn (INFORMs, in order on its link): it gets the uncommitted ones as proposals.
   */
  promoteObservers(): void {
    const hist = this.ctx.history;
    for (const h of this.handlers.values()) {
      if (!h.observer || !this.ctx.membership.isVoter(h.sid)) continue;
      h.observer = false;
      if (h.phase === 'synced' || h.phase === 'uptodate') this.sendTo(h, { type: 'PROPOSAL', link: h.link, entries: hist.range(hist.appliedZxid, hist.lastZxid) });
    }
  }

  /** Whether this leader and its up-to-date followers hold a quorum of `config` (ZooKeeper's check before a reconfiguration). */
  isQuorumSynced(config: Configuration): boolean {
    const verifier = new QuorumVerifier(config);
    return this.hasQuorum((h) => h.phase === 'uptodate', (sids) => verifier.containsQuorum(sids));
  }

  /** Checks and takes the next proposal's zxid; the peer logs the entry and calls sendProposal. */
  accept(zxid: bigint, payload: P): Entry<P> {
    assert(this.established, 'propose: this leader is not established');
    // A leader never proposes at or below its last zxid, nor outside its own epoch.
    assert(zxid === this.lastProposedZxid + 1n && epochOf(zxid) === this.newEpoch, () => `propose: zxid ${hex64(zxid)} does not follow ${hex64(this.lastProposedZxid)}`);
    this.lastProposedZxid = zxid;
    return { zxid, payload };
  }

  sendProposal(entry: Entry<P>): void {
    // One array for every follower: the transport encodes it once (and the peer's batching
    // adds later proposals of the same turn to it once).
    const entries = [entry];
    for (const h of this.handlers.values()) {
      if (!h.observer && (h.phase === 'synced' || h.phase === 'uptodate')) this.sendTo(h, { type: 'PROPOSAL', link: h.link, entries });
    }
  }

  onPersisted(): void {
    if (!this.established) this.maybeEstablish();
    else this.maybeCommit();
  }

  /**
   * Commits, in order, up to the highest zxid durable on the quorums it needs (this leader
   * included). Committing a reconfiguration activates it; the COMMIT and INFORM that carry
   * it name who leads the new configuration: this leader if it is a voter there, else the
   * new voter that has acked most (ZooKeeper's designated leader), which takes over at once.
   */
  private maybeCommit(): void {
    const { ctx } = this;
    const hist = ctx.history;
    const me = ctx.config.myId;
    const ackOf = (sid: number): bigint | null => {
      if (sid === me) return hist.persistedZxid;
      const h = this.handlers.get(sid);
      return h && !h.observer && h.ackedNewLeader ? h.ackedZxid : null;
    };
    // Twice at most: once a reconfiguration commits, what follows it needs only the new quorum.
    for (let round = 0; round < 2; round++) {
      let point = commitPoint(this.joint, ctx.membership.activeVerifier, ackOf);
      if (point === null) return;
      if (point > hist.lastZxid) point = hist.lastZxid;
      point = hist.floor(point) ?? hist.appliedZxid; // a zxid of the history, not a point between two
      const from = hist.appliedZxid;
      if (point <= from) return;
      const entries = hist.range(from, point);
      if (!entries.some((e) => e.config !== undefined)) {
        if (entries.length > APPLY_BEFORE_COMMITS_MAX_TXNS) {
          // COMMIT first, then apply here, as ZooKeeper's leader does: a learner's client does
          // not wait for the leader to apply a large batch.
          this.sendCommit(entries, point, undefined);
          ctx.commitUpTo(point);
          return;
        }
        // A few txns: the COMMIT of the learner whose client most likely waits, then the apply
        // (and this leader's own clients' replies), then the other COMMITs (see
        // APPLY_BEFORE_COMMITS_MAX_TXNS). Each link still carries its COMMIT before anything
        // the apply sends on it, as every send is an effect emitted in this order.
        const first = this.sendCommit(entries, point, undefined, 'first');
        ctx.commitUpTo(point);
        this.sendCommit(entries, point, undefined, 'rest', first);
        return;
      }
      // A reconfiguration's COMMIT names the next leader, which the configuration it
      // activates decides: it is applied here first.
      ctx.commitUpTo(point);
      this.joint = null;
      const successor = this.successor();
      this.sendCommit(entries, point, successor ?? me);
      if (successor !== null) return this.handOver(successor);
    }
  }

  /**
   * Sends the COMMIT (an observer: the INFORM) of `point` to every synced learner, the last one
   * that forwarded a REQUEST first: most likely its client waits for this commit, and each
   * send before its own is a socket write (on one machine, a wake-up of another member that
   * may take the CPU) it would wait for. `which` splits it around the leader's apply: 'first'
   * sends only that learner's (and returns it), 'rest' the others' (given the one sent first).
   */
  private sendCommit(
    entries: Entry<P>[],
    point: bigint,
    designatedLeader: number | undefined,
    which: 'all' | 'first' | 'rest' = 'all',
    sentFirst?: LearnerHandler,
  ): LearnerHandler | undefined {
    const send = (h: LearnerHandler) => {
      if (h.phase !== 'synced' && h.phase !== 'uptodate') return;
      if (h.observer) this.sendTo(h, { type: 'INFORM', link: h.link, entries, designatedLeader });
      else this.sendTo(h, { type: 'COMMIT', link: h.link, zxid: point, designatedLeader });
    };
    const first = which === 'rest' ? sentFirst : this.lastRequester === null ? undefined : this.handlers.get(this.lastRequester);
    if (which !== 'rest' && first) send(first);
    if (which !== 'first') for (const h of this.handlers.values()) if (h !== first) send(h);
    return first;
  }

  /**
   * After a configuration activated: null while this leader is a voter of it; else the
   * synced follower designated to lead it, or -1 if none can.
   */
  private successor(): number | null {
    const v = this.ctx.membership.activeVerifier;
    if (v.isVoter(this.ctx.config.myId)) return null;
    return designate(v, [...this.handlers.values()].filter((h) => !h.observer && h.ackedNewLeader));
  }

  private handOver(successor: number): void {
    if (successor < 0) return this.ctx.lookAgain('no voter of the new configuration is synced to take over');
    const links = [...this.handlers.values()].map((h) => ({ peer: h.sid, link: h.link }));
    this.handlers.clear();
    this.ctx.handOver(successor, links);
  }

  onTick(): void {
    const { ctx } = this;
    if (!this.established && ctx.tick - this.startTick > ctx.config.initLimitTicks) {
      return ctx.lookAgain('no quorum synced within initLimit');
    }
    for (const h of [...this.handlers.values()]) {
      const limit = h.phase === 'uptodate' ? ctx.config.syncLimitTicks : ctx.config.initLimitTicks;
      if (ctx.tick - h.lastHeardTick > limit) this.drop(h);
    }
    if (this.established && !this.hasQuorum((h) => h.phase === 'uptodate')) return ctx.lookAgain('lost the quorum of synced followers');
    if (ctx.tick >= this.nextPingTick) this.ping();
  }

  private ping(): void {
    this.round++;
    this.nextPingTick = this.ctx.tick + this.ctx.config.pingIntervalTicks;
    for (const h of this.handlers.values()) this.sendTo(h, { type: 'PING', link: h.link, round: this.round });
  }

  /** Starts a ping round; `confirmed(token)` follows once a quorum answered it. */
  confirmLeadership(token: number): void {
    this.ping();
    this.confirmWaiters.push({ round: this.round, token });
    this.maybeConfirm();
  }

  private maybeConfirm(): void {
    const { ctx } = this;
    while (this.confirmWaiters.length) {
      const w = this.confirmWaiters[0]!;
      if (!this.hasQuorum((h) => h.phase === 'uptodate' && h.pingRound >= w.round)) return;
      this.confirmWaiters.shift();
      ctx.emit({ kind: 'confirmed', token: w.token });
    }
  }

  /** An APP message for a learner's host; false when that learner is not synced here. */
  sendToLearner(sid: number, payload: unknown): boolean {
    const h = this.handlers.get(sid);
    if (!h || (h.phase !== 'synced' && h.phase !== 'uptodate')) return false;
    this.sendTo(h, { type: 'APP', link: h.link, payload });
    return true;
  }

  onLinkDown(sid: number, link: number): void {
    const h = this.handlers.get(sid);
    if (h && h.link === link) this.handlers.delete(sid);
  }

  private drop(h: LearnerHandler): void {
    this.handlers.delete(h.sid);
    this.ctx.emit({ kind: 'closeLink', peer: h.sid, link: h.link });
  }

  close(): void {
    for (const h of this.handlers.values()) this.ctx.emit({ kind: 'closeLink', peer: h.sid, link: h.link });
    this.handlers.clear();
  }
}
