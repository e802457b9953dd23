import { epochOf, hex64 } from '@zab/jute';
import type { Configuration } from './configuration.js';
import type { PeerContext } from './context.js';
import type { Entry, LinkMessage } from './messages.js';
import { assert } from './assert.js';

type Phase = 'connecting' | 'epoch' | 'sync' | 'acking' | 'acked' | 'uptodate';

/**
 * A follower or observer from the moment it picked its leader: discovery (FOLLOWERINFO ->
 * LEADERINFO -> ACKEPOCH), synchronisation (TRUNC/SNAP/DIFF, NEWLEADER -> ACK, UPTODATE),
 * then broadcast (log PROPOSALs and ACK them once durable, apply on COMMIT; observers apply
 * INFORMs). A server outside the leader's configuration follows the same steps (a joining
 * server syncs before it is added; a removed one keeps up); its acks count once it is a
 * voter. A commit that activates a configuration may move it to another role or leader.
 * Sync must finish within initLimit ticks; afterwards silence from the leader for syncLimit
 * ticks ends the role.
 */
export class Learner<P> {
  phase: Phase = 'connecting';
  private readonly startTick: number;
  private lastHeardTick: number;
  private nextRetryTick: number;
  private syncEntries: Entry<P>[] = [];
  private newLeaderZxid = 0n;
  private maxCommitSeen = 0n;
  private lastAckedZxid = 0n;
  /** Whether it acks what it logs: a follower does; so does an observer its leader feeds proposals (a voter-to-be). */
  private acking: boolean;
  /** The leader a commit named for the configuration it activated (applied at UPTODATE if it came before). */
  private designatedLeader: number | undefined;

  constructor(
    private readonly ctx: PeerContext<P>,
    readonly leaderId: number,
    readonly link: number,
    readonly observer: boolean,
  ) {
    this.acking = !observer;
    this.startTick = this.lastHeardTick = ctx.tick;
    this.nextRetryTick = ctx.tick;
    this.sendInfo();
  }

  get isServing(): boolean {
    return this.phase === 'uptodate';
  }

  private sendInfo(): void {
    const { ctx } = this;
    ctx.send(this.leaderId, {
      type: this.observer ? 'OBSERVERINFO' : 'FOLLOWERINFO',
      link: this.link,
      acceptedEpoch: ctx.acceptedEpoch,
      lastZxid: ctx.history.lastZxid,
    });
    this.nextRetryTick = ctx.tick + ctx.config.learnerRetryTicks;
  }

  private toLeader(msg: LinkMessage<P>): void {
    this.ctx.send(this.leaderId, msg);
  }

  onTick(): void {
    const { ctx } = this;
    if (this.phase === 'connecting' && ctx.tick >= this.nextRetryTick) this.sendInfo();
    if (this.phase !== 'uptodate' && ctx.tick - this.startTick > ctx.config.initLimitTicks) {
      return ctx.lookAgain(`not synced with leader ${this.leaderId} within initLimit`);
    }
    if (this.phase === 'uptodate' && ctx.tick - this.lastHeardTick > ctx.config.syncLimitTicks) {
      return ctx.lookAgain(`nothing heard from leader ${this.leaderId} for syncLimit`);
    }
  }

  onMessage(m: LinkMessage<P>): void {
    const { ctx } = this;
    this.lastHeardTick = ctx.tick;
    switch (m.type) {
      case 'LEADERINFO':
        return this.onLeaderInfo(m.epoch);
      case 'TRUNC':
        ctx.emit({ kind: 'truncate', zxid: m.zxid });
        ctx.history.truncate(m.zxid);
        // The host rebuilds its state from the log up to zxid: what it holds is applied now,
        // as after a restart (a SNAP this peer sends as a leader is taken at appliedZxid).
        ctx.history.appliedZxid = ctx.history.lastZxid;
        ctx.membership.onTruncated(m.zxid);
        this.phase = 'sync';
        return;
      case 'SNAP':
        ctx.emit({ kind: 'installSnapshot', zxid: m.zxid, snapshot: m.snapshot });
        ctx.history.reset(m.zxid);
        ctx.snapshotZxid = m.zxid;
        ctx.membership.onSnapshot(m.config);
        this.phase = 'sync';
        return;
      case 'DIFF':
        for (const e of m.entries) this.syncEntries.push(e);
        this.phase = 'sync';
        return;
      case 'NEWLEADER':
        return this.onNewLeader(m.zxid, m.configs);
      case 'PROPOSAL': {
        this.acking = true;
        if (this.phase !== 'acking' && this.phase !== 'acked' && this.phase !== 'uptodate') return;
        // An observer being promoted may hold some already: it synced as an observer from the
        // log it kept as a follower, and the leader sends it everything not yet committed.
        const fresh = m.entries.filter((e) => e.zxid > ctx.history.lastZxid);
        if (fresh.length) ctx.log(fresh);
        return;
      }
      case 'INFORM': {
        const fresh = m.entries.filter((e) => e.zxid > ctx.history.lastZxid);
        if (fresh.length) ctx.log(fresh);
        const last = m.entries[m.entries.length - 1];
        if (last) this.onCommit(last.zxid, m.designatedLeader);
        return;
      }
      case 'COMMIT':
        return this.onCommit(m.zxid, m.designatedLeader);
      case 'UPTODATE':
        return this.onUpToDate(m.zxid, m.config, m.designatedLeader);
      case 'PING':
        this.toLeader({ type: 'PING', link: this.link, round: m.round });
        return;
      case 'APP':
        ctx.emit({ kind: 'app', payload: m.payload });
        return;
      case 'NOTLEADER':
        return ctx.lookAgain(`server ${this.leaderId} is not leading`);
      default:
        return;
    }
  }

  private onLeaderInfo(epoch: bigint): void {
    const { ctx } = this;
    if (this.phase !== 'connecting') return;
    if (epoch < ctx.acceptedEpoch) {
      return ctx.lookAgain(`leader ${this.leaderId} proposed epoch ${epoch}, below the accepted epoch ${ctx.acceptedEpoch}`);
    }
    if (epoch > ctx.acceptedEpoch) {
      ctx.acceptedEpoch = epoch;
      ctx.saveEpochs();
    }
    this.phase = 'epoch';
    this.toLeader({
      type: 'ACKEPOCH',
      link: this.link,
      currentEpoch: ctx.currentEpoch,
      lastZxid: ctx.history.lastZxid,
      appliedZxid: ctx.history.appliedZxid,
      snapshotZxid: ctx.snapshotZxid,
    });
  }

  private onNewLeader(zxid: bigint, configs: Configuration[]): void {
    const { ctx } = this;
    if (this.phase !== 'sync' && this.phase !== 'epoch') return;
    const fresh = this.syncEntries.filter((e) => e.zxid > ctx.history.lastZxid);
    this.syncEntries = [];
    if (fresh.length) ctx.log(fresh);
    // Before the ACK: what this peer acks brings these configurations, so its quorums
    // (should it lead next) must count them until it learns they are committed.
    ctx.membership.onNewLeader(configs);
    this.newLeaderZxid = zxid;
    this.phase = 'acking';
    this.maybeAckNewLeader();
  }

  /**
   * ACK of NEWLEADER only once the leader's history is durable here, and currentEpoch is
   * written only after that: a peer whose currentEpoch is new must hold the history that
   * epoch started from, or it could win an election with less than was committed.
   */
  private maybeAckNewLeader(): void {
    const { ctx } = this;
    if (this.phase !== 'acking' || ctx.history.persistedZxid < ctx.history.lastZxid) return;
    assert(ctx.history.persistedZxid === ctx.history.lastZxid, 'learner: NEWLEADER acked with its history not durable');
    ctx.currentEpoch = epochOf(this.newLeaderZxid);
    ctx.saveEpochs();
    this.phase = 'acked';
    this.lastAckedZxid = ctx.history.persistedZxid;
    this.toLeader({ type: 'ACK', link: this.link, zxid: ctx.history.persistedZxid, newLeader: true });
  }

  onPersisted(): void {
    const { ctx } = this;
    if (this.phase === 'acking') return this.maybeAckNewLeader();
    if (!this.acking || (this.phase !== 'acked' && this.phase !== 'uptodate')) return;
    if (ctx.history.persistedZxid > this.lastAckedZxid) {
      // Acks only for what was proposed to it and is logged here.
      assert(ctx.history.persistedZxid <= ctx.history.lastZxid, () => `learner: ack of ${hex64(ctx.history.persistedZxid)} beyond its log (${hex64(ctx.history.lastZxid)})`);
      this.lastAckedZxid = ctx.history.persistedZxid;
      this.toLeader({ type: 'ACK', link: this.link, zxid: this.lastAckedZxid, newLeader: false });
    }
  }

  private onCommit(zxid: bigint, designatedLeader: number | undefined): void {
    if (zxid > this.maxCommitSeen) this.maxCommitSeen = zxid;
    if (designatedLeader !== undefined) this.designatedLeader = designatedLeader;
    if (this.phase === 'uptodate' && this.ctx.commitUpTo(zxid)) this.followConfiguration();
  }

  /** Commits what the leader has, adopts its configuration, and serves, unless that configuration moves this peer. */
  private onUpToDate(zxid: bigint, config: Configuration, designatedLeader: number | undefined): void {
    const { ctx } = this;
    if (this.phase !== 'acked') return;
    if (zxid > this.maxCommitSeen) this.maxCommitSeen = zxid;
    if (designatedLeader !== undefined) this.designatedLeader = designatedLeader;
    const activated = ctx.commitUpTo(this.maxCommitSeen);
    if ((ctx.membership.adopt(config) || activated) && this.followConfiguration()) return;
    this.phase = 'uptodate';
    ctx.emit({ kind: 'serving', serving: true, epoch: ctx.currentEpoch });
  }

  /** After an activation: true if this peer left this role for the one the configuration gives it. */
  private followConfiguration(): boolean {
    const leader = this.designatedLeader ?? this.leaderId;
    this.designatedLeader = undefined;
    return this.ctx.followConfiguration(leader);
  }

  /** A request for the leader's host; false when there is no synced leader to take it. */
  sendToLeader(payload: unknown): boolean {
    if (this.phase !== 'uptodate') return false;
    this.toLeader({ type: 'REQUEST', link: this.link, payload });
    return true;
  }

  close(): void {
    this.ctx.emit({ kind: 'closeLink', peer: this.leaderId, link: this.link });
  }
}
