import { EventEmitter } from 'node:events';
import type { ZooKeeperClient } from '../client.js';
import { ContenderQueue } from './lock-queue.js';

/**
 * A counting semaphore: at most `permits` holders at once. Contenders queue as for the
 * mutex; the first `permits` hold a lease, and a waiter watches the contender `permits`
 * places ahead of it, whose leaving is what can let it in.
 */
export class Semaphore extends EventEmitter {
  private readonly queue: ContenderQueue;
  private leases = 0;

  /** Emits 'lost' if the session expires while leases are held. */
  constructor(zk: ZooKeeperClient, readonly path: string, readonly permits: number) {
    super();
    if (!(permits >= 1)) throw new Error('a semaphore needs at least one permit');
    this.queue = new ContenderQueue(zk, path, 'lease');
    this.queue.onSessionLost(() => {
      if (this.leases === 0) return;
      this.leases = 0;
      this.emit('lost');
    });
  }

  /** Takes a lease; resolves with a function that returns it. */
  async acquire(timeoutMs = Infinity): Promise<() => Promise<void>> {
    // The contender `permits` places ahead is the one whose leaving can let this one in.
    const mine = await this.queue.joinAndWait(timeoutMs, (ahead) => (ahead.length < this.permits ? undefined : ahead[ahead.length - this.permits]), `lease on ${this.path}`);
    this.leases++;
    let returned = false;
    return async () => {
      if (returned) return;
      returned = true;
      if (this.leases > 0) this.leases--;
      await this.queue.leave(mine);
    };
  }
}
