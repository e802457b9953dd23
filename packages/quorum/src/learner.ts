import { epochOf, hex64 } from '@zab/jute';
import type { PeerContext } from './context.js';
import type { Entry, LinkMessage } from './messages.js';
import { assert } from './assert.js';

type Phase = 'connecting' | 'epoch' | 'sync' | 'acking' | 'acked' | 'uptodate';

/**
 * A follower or observer from the moment it picked its leader: discovery (FOLLOWERINFO ->
 * LEADERINFO -> ACKEPOCH), synchronisation (TRUNC/SNAP/DIFF, NEWLEADER -> ACK, UPTODATE),
 * then broadcast (log PROPOSALs and ACK them once durable, apply on COMMIT; observers apply
 * INFORMs). Sync must finish within initLimit ticks; afterwards silence from the leader for
 * syncLimit ticks ends the role.
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

  constructor(
    private readonly ctx: PeerContext<P>,
    readonly leaderId: number,
    readonly link: number,
    readonly observer: boolean,
  ) {
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
        this.phase = 'sync';
        return;
      case 'SNAP':
        ctx.emit({ kind: 'installSnapshot', zxid: m.zxid, snapshot: m.snapshot });
        ctx.history.reset(m.zxid);
        ctx.snapshotZxid = m.zxid;
        this.phase = 'sync';
        return;
      case 'DIFF':
        for (const e of m.entries) this.syncEntries.push(e);
        this.phase = 'sync';
        return;
      case 'NEWLEADER':
        return this.onNewLeader(m.zxid);
      case 'PROPOSAL':
        if (this.phase === 'acking' || this.phase === 'acked' || this.phase === 'uptodate') ctx.log(m.entries);
        return;
      case 'INFORM': {
        const fresh = m.entries.filter((e) => e.zxid > ctx.history.lastZxid);
        if (fresh.length) ctx.log(fresh);
        const last = m.entries[m.entries.length - 1];
        if (last) this.onCommit(last.zxid);
        return;
      }
      case 'COMMIT':
        return this.onCommit(m.zxid);
      case 'UPTODATE':
        return this.onUpToDate(m.zxid);
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

  private onNewLeader(zxid: bigint): void {
    const { ctx } = this;
    if (this.phase !== 'sync' && this.phase !== 'epoch') return;
    const fresh = this.syncEntries.filter((e) => e.zxid > ctx.history.lastZxid);
    this.syncEntries = [];
    if (fresh.length) ctx.log(fresh);
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
    if (this.observer || (this.phase !== 'acked' && this.phase !== 'uptodate')) return;
    if (ctx.history.persistedZxid > this.lastAckedZxid) {
      // Acks only for what was proposed to it and is logged here.
      assert(ctx.history.persistedZxid <= ctx.history.lastZxid, () => `learner: ack of ${hex64(ctx.history.persistedZxid)} beyond its log (${hex64(ctx.history.lastZxid)})`);
      this.lastAckedZxid = ctx.history.persistedZxid;
      this.toLeader({ type: 'ACK', link: this.link, zxid: this.lastAckedZxid, newLeader: false });
    }
  }

  private onCommit(zxid: bigint): void {
    if (zxid > this.maxCommitSeen) this.maxCommitSeen = zxid;
    if (this.phase === 'uptodate') this.ctx.commitUpTo(zxid);
  }

  private onUpToDate(zxid: bigint): void {
    if (this.phase !== 'acked') return;
    if (zxid > this.maxCommitSeen) this.maxCommitSeen = zxid;
    this.phase = 'uptodate';
    this.ctx.commitUpTo(this.maxCommitSeen);
    this.ctx.emit({ kind: 'serving', serving: true, epoch: this.ctx.currentEpoch });
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
