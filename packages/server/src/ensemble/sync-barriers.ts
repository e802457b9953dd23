import type { AppMessage } from './app-messages.js';

/** What the barriers need of the quorum core. */
export interface BarrierQuorum {
  /** Leader: starts a ping round; a 'confirmed' effect with `token` follows once a quorum answered. False when not an established leader. */
  confirmLeadership(token: number): boolean;
  /** Learner: a REQUEST to the leader; false when there is no synced leader. */
  sendToLeader(payload: unknown): boolean;
}

/**
 * What makes `sync` linearizable in an ensemble (beyond ZooKeeper, whose sync only flushes the
 * leader's pipeline). On the leader, a sync first waits for a quorum to confirm the leadership
 * (a ping round), then until this server has applied every txn prepared before it. On a learner,
 * a sync goes to the leader as a REQUEST and waits for the 'synced' APP, which arrives after
 * every COMMIT the leader sent before it. Tokens are one sequence for this member's life, so an
 * answer never matches a later waiter. Everything waiting is dropped when serving stops.
 */
export class SyncBarriers {
  private nextToken = 1;
  /** Leader: syncs waiting for a quorum's confirmation, then for the apply of earlier txns. */
  private readonly confirmWaiters = new Map<number, { zxid: bigint; done: () => void }>();
  private readonly appliedWaiters: { zxid: bigint; done: () => void }[] = [];
  /** Learner: syncs waiting for the leader's answer. */
  private readonly syncWaiters = new Map<number, () => void>();

  constructor(
    private readonly quorum: BarrierQuorum,
    /** The last zxid applied here. */
    private readonly appliedZxid: () => bigint,
    /** Something was handed to the core: carry out its effects soon. */
    private readonly afterCoreCall: () => void,
  ) {}

  newToken(): number {
    return this.nextToken++;
  }

  /** Leader: runs `done` once a quorum confirmed this leadership and `zxid` (the last prepared) is applied here. */
  leaderSync(zxid: bigint, done: () => void): void {
    const token = this.newToken();
    this.confirmWaiters.set(token, { zxid, done });
    if (!this.quorum.confirmLeadership(token)) this.confirmWaiters.delete(token);
    this.afterCoreCall();
  }

  /** Leader: the core's 'confirmed' effect. */
  confirmed(token: number): void {
    const w = this.confirmWaiters.get(token);
    this.confirmWaiters.delete(token);
    if (w) this.whenApplied(w.zxid, w.done);
  }

  /** Txns were applied: runs the waiters they release, in order. */
  released(): void {
    const applied = this.appliedZxid();
    while (this.appliedWaiters.length && this.appliedWaiters[0]!.zxid <= applied) this.appliedWaiters.shift()!.done();
  }

  /** Learner: runs `done` when the leader answers this sync. */
  learnerSync(done: () => void): void {
    const token = this.newToken();
    this.syncWaiters.set(token, done);
    if (!this.quorum.sendToLeader({ kind: 'sync', token } satisfies AppMessage)) this.syncWaiters.delete(token);
    this.afterCoreCall();
  }

  /** Learner: the leader's 'synced' answer. */
  synced(token: number): void {
    const done = this.syncWaiters.get(token);
    this.syncWaiters.delete(token);
    done?.();
  }

  /** Serving stopped: nothing waiting will be answered (its connection is closed). */
  clear(): void {
    this.syncWaiters.clear();
    this.confirmWaiters.clear();
    this.appliedWaiters.length = 0;
  }

  private whenApplied(zxid: bigint, done: () => void): void {
    if (this.appliedZxid() >= zxid) return done();
    this.appliedWaiters.push({ zxid, done });
  }
}
