import { EventEmitter } from 'node:events';
import type { ZooKeeperClient } from '../client.js';
import { ContenderQueue } from './lock-queue.js';

/**
 * Leader election (as Curator's LeaderLatch): candidates queue as ephemeral sequential nodes;
 * the first is the leader; each other candidate watches only its predecessor. Emits
 * 'leader' when this candidate becomes leader and 'notLeader' when it stops being one
 * (close(), or its session expired: the node went with it).
 */
export class LeaderElection extends EventEmitter {
  private readonly queue: ContenderQueue;
  private node: string | null = null;
  private closed = false;
  isLeader = false;

  constructor(private readonly zk: ZooKeeperClient, readonly path: string, readonly id = '') {
    super();
    this.queue = new ContenderQueue(zk, path, 'latch');
    zk.on('expired', () => this.setLeader(false));
  }

  async start(): Promise<void> {
    this.node = await this.queue.enter(this.id);
    this.watchQueue();
  }

  /** Runs the check loop; after a lost connection it starts again once reconnected. */
  private watchQueue(): void {
    this.check().catch(() => {
      if (!this.closed) this.zk.once('connected', () => this.watchQueue());
    });
  }

  private async check(): Promise<void> {
    while (!this.closed && this.node) {
      const all = await this.queue.contenders();
      const i = all.indexOf(this.node);
      if (i < 0) return this.setLeader(false);
      if (i === 0) return this.setLeader(true);
      await this.queue.waitGone(all[i - 1]!, Number.MAX_SAFE_INTEGER);
    }
  }

  private setLeader(v: boolean): void {
    if (this.isLeader === v) return;
    this.isLeader = v;
    this.emit(v ? 'leader' : 'notLeader');
  }

  /** The current leader's id (its node's data), or null when there is no candidate. */
  async leaderId(): Promise<string | null> {
    const all = await this.queue.contenders();
    if (!all.length) return null;
    const { data } = await this.zk.getData(`${this.path}/${all[0]}`);
    return data?.toString() ?? '';
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.node) await this.queue.leave(this.node).catch(() => undefined);
    this.node = null;
    this.setLeader(false);
  }
}
