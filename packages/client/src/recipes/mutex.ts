import { EventEmitter } from 'node:events';
import type { ZooKeeperClient } from '../client.js';
import { ContenderQueue } from './lock-queue.js';

export { LockTimeoutError } from './lock-queue.js';

/**
 * A distributed mutex (as Curator's InterProcessMutex): contenders queue as ephemeral
 * sequential nodes and each watches only its predecessor, so a release wakes one waiter.
 * Reentrant within one Mutex object: acquire counts, release uncounts. If the session
 * expires the lock is lost (its node is gone): the holder must treat `lost` as the end of
 * its exclusive access.
 */
export class Mutex extends EventEmitter {
  private readonly queue: ContenderQueue;
  private node: string | null = null;
  private holds = 0;

  /** Emits 'lost' if the session expires while the lock is held: exclusive access ended. */
  constructor(zk: ZooKeeperClient, readonly path: string) {
    super();
    this.queue = new ContenderQueue(zk, path, 'lock');
    this.queue.onSessionLost(() => {
      if (this.holds === 0) return;
      this.holds = 0;
      this.node = null;
      this.emit('lost');
    });
  }

  get isHeld(): boolean {
    return this.holds > 0;
  }

  /** Acquires the lock, waiting at most `timeoutMs` (default forever); throws LockTimeoutError. */
  async acquire(timeoutMs = Infinity): Promise<void> {
    if (this.holds > 0) {
      this.holds++;
      return;
    }
    // Only the predecessor can be in the way.
    const mine = await this.queue.joinAndWait(timeoutMs, (ahead) => ahead.at(-1), `lock ${this.path}`);
    this.node = mine;
    this.holds = 1;
  }

  async release(): Promise<void> {
    if (this.holds === 0) throw new Error(`lock ${this.path} is not held`);
    if (--this.holds > 0) return;
    const node = this.node!;
    this.node = null;
    await this.queue.leave(node);
  }
}
