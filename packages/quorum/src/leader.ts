import { epochOf, hex64, makeZxid } from '@zab/jute';
import type { LinkMessageOf, PeerContext } from './context.js';
import type { Entry, LinkMessage } from './messages.js';
import { assert } from './assert.js';

type HandlerPhase = 'info' | 'epoch' | 'synced' | 'uptodate';

/** The leader's view of one connected learner (ZooKeeper's LearnerHandler). */
interface LearnerHandler {
  readonly sid: number;
  readonly link: number;
  readonly observer: boolean;
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
 * A leader from the moment it won an election: discovery (a quorum's FOLLOWERINFO fixes the
 * new epoch above every accepted one; a quorum's ACKEPOCH confirms nobody is ahead), sync of
 * each learner (DIFF, TRUNC+DIFF or SNAP, then NEWLEADER), establishment once a quorum
 * (itself included, its history durable) acked NEWLEADER, then broadcast. It gives up if not
 * established within initLimit ticks, or when no quorum was heard from for syncLimit ticks.
 */
export class Leader<P> {
  private readonly handlers = new Map<number, LearnerHandler>();
  private readonly startTick: number;
  newEpoch: bigint | null = null;
  private epochConfirmed = false;
  established = false;
  private lastProposedZxid = 0n;
  private round = 0;
  private nextPingTick: number;
  private confirmWaiters: { round: number; token: number }[] = [];

  constructor(private readonly ctx: PeerContext<P>) {
    this.startTick = ctx.tick;
    this.nextPingTick = ctx.tick + ctx.config.pingIntervalTicks;
    this.maybeDecideEpoch();
  }

  get isServing(): boolean {
    return this.established;
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
        if (this.established) this.ctx.emit({ kind: 'request', from, payload: m.payload });
        return;
      default:
        return;
    }
  }

  private onInfo(from: number, m: LinkMessageOf<P, 'FOLLOWERINFO' | 'OBSERVERINFO'>): void {
    const { ctx } = this;
    const observer = m.type === 'OBSERVERINFO';
    if (observer === ctx.config.isVoter(from)) return; // a learner of the wrong kind: ignore it
    const old = this.handlers.get(from);
    if (old && old.link === m.link) return; // a retry of a FOLLOWERINFO already handled
    if (this.newEpoch !== null && m.acceptedEpoch > this.newEpoch) {
      // It promised a later (failed) leader not to follow this epoch, so it never could:
      // elect again, above its epoch, rather than leave it out for good.
      return ctx.lookAgain(`server ${from} accepted epoch ${m.acceptedEpoch}, above this leader's ${this.newEpoch}`);
    }
    if (old) this.drop(old);
    const h: LearnerHandler = {
      sid: from,
      link: m.link,
      observer,
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
    const voters = [...this.handlers.values()].filter((h) => !h.observer);
    if (voters.length + 1 < ctx.config.quorumSize) return;
    let max = ctx.acceptedEpoch;
    for (const h of voters) if (h.acceptedEpoch > max) max = h.acceptedEpoch;
    this.newEpoch = max + 1n;
    ctx.acceptedEpoch = this.newEpoch;
    ctx.saveEpochs();
    for (const h of this.handlers.values()) this.sendTo(h, { type: 'LEADERINFO', link: h.link, epoch: this.newEpoch });
  }

  private onAckEpoch(h: LearnerHandler, m: LinkMessageOf<P, 'ACKEPOCH'>): void {
    const { ctx } = this;
    if (h.phase !== 'info') return;
    const hist = ctx.history;
    if (m.currentEpoch > ctx.currentEpoch || (m.currentEpoch === ctx.currentEpoch && m.lastZxid > hist.lastZxid)) {
      // A voter ahead means this election chose wrong: elect again, so it can win. An observer
      // cannot lead, and holds only committed txns, which an elected leader has: one that says
      // it is ahead is broken or lying, and losing it must not cost the ensemble its leader.
      if (h.observer) return this.drop(h);
      return ctx.lookAgain(`learner ${h.sid} is ahead of this leader (epoch ${m.currentEpoch}, zxid 0x${m.lastZxid.toString(16)})`);
    }
    h.ackEpoch = m;
    h.phase = 'epoch';
    if (this.epochConfirmed) return this.syncLearner(h);
    const acked = [...this.handlers.values()].filter((x) => !x.observer && x.ackEpoch).length;
    if (acked + 1 < ctx.config.quorumSize) return;
    this.epochConfirmed = true;
    for (const x of this.handlers.values()) if (x.phase === 'epoch') this.syncLearner(x);
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
    if (empty || target === null || target < a.snapshotZxid || !hist.has(target)) {
      this.sendTo(h, { type: 'SNAP', link: h.link, zxid: hist.appliedZxid });
      target = hist.appliedZxid;
    } else if (target < a.lastZxid) {
      this.sendTo(h, { type: 'TRUNC', link: h.link, zxid: target });
    }
    // Observers take only what will be committed; later txns reach them as INFORMs.
    const entries = h.observer ? hist.range(target, commitPoint) : hist.after(target);
    this.sendTo(h, { type: 'DIFF', link: h.link, entries });
    this.sendTo(h, { type: 'NEWLEADER', link: h.link, zxid: makeZxid(this.newEpoch!, 0n) });
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

  private sendUpToDate(h: LearnerHandler): void {
    this.sendTo(h, { type: 'UPTODATE', link: h.link, zxid: this.ctx.history.appliedZxid });
    h.phase = 'uptodate';
  }

  private maybeEstablish(): void {
    const { ctx } = this;
    if (this.established || this.newEpoch === null) return;
    const hist = ctx.history;
    if (hist.persistedZxid < hist.lastZxid) return; // the leader's own ack waits for its log
    const acked = [...this.handlers.values()].filter((h) => !h.observer && h.ackedNewLeader).length;
    if (acked + 1 < ctx.config.quorumSize) return;
    this.established = true;
    assert(this.newEpoch > ctx.currentEpoch, () => `leader: new epoch ${this.newEpoch} is not above the current ${ctx.currentEpoch}`);
    ctx.currentEpoch = this.newEpoch;
    ctx.saveEpochs();
    ctx.commitUpTo(hist.lastZxid);
    this.lastProposedZxid = makeZxid(this.newEpoch, 0n);
    for (const h of this.handlers.values()) if (h.ackedNewLeader) this.sendUpToDate(h);
    ctx.emit({ kind: 'serving', serving: true, epoch: ctx.currentEpoch });
  }

  /** The zxid the next proposal must carry. */
  nextZxid(): bigint {
    return this.lastProposedZxid + 1n;
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

  /** Commits up to the highest zxid a quorum of voters (this leader included) has durable. */
  private maybeCommit(): void {
    const { ctx } = this;
    const hist = ctx.history;
    const acked: bigint[] = [hist.persistedZxid];
    for (const h of this.handlers.values()) if (!h.observer && h.ackedNewLeader) acked.push(h.ackedZxid);
    if (acked.length < ctx.config.quorumSize) return;
    acked.sort((a, b) => (a > b ? -1 : a < b ? 1 : 0));
    let point = acked[ctx.config.quorumSize - 1]!;
    if (point > hist.lastZxid) point = hist.lastZxid;
    const from = hist.appliedZxid;
    if (point <= from) return;
    const entries = hist.range(from, point);
    // COMMIT first, then apply here, as ZooKeeper's leader does: a learner's client does not
    // wait for the leader to apply.
    for (const h of this.handlers.values()) {
      if (h.phase !== 'synced' && h.phase !== 'uptodate') continue;
      if (h.observer) this.sendTo(h, { type: 'INFORM', link: h.link, entries });
      else this.sendTo(h, { type: 'COMMIT', link: h.link, zxid: point });
    }
    ctx.commitUpTo(point);
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
    if (this.established) {
      const alive = [...this.handlers.values()].filter((h) => !h.observer && h.phase === 'uptodate').length + 1;
      if (alive < ctx.config.quorumSize) return ctx.lookAgain('lost the quorum of synced followers');
    }
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
      let n = 1;
      for (const h of this.handlers.values()) if (!h.observer && h.phase === 'uptodate' && h.pingRound >= w.round) n++;
      if (n < ctx.config.quorumSize) return;
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
