import { EventEmitter } from 'node:events';
import type { ZooKeeperClient } from '../client.js';
import { ContenderQueue } from './lock-queue.js';

/**
 * A read-write lock (as Curator's InterProcessReadWriteMutex). Readers and writers queue in
 * one sequence under `path`, so nobody starves: a reader holds the lock once no writer is
 * ahead of it (it watches the last writer ahead); a writer once nobody is ahead of it (it
 * watches its predecessor).
 */
export class ReadWriteLock {
  readonly read: LockSide;
  readonly write: LockSide;

  constructor(zk: ZooKeeperClient, readonly path: string) {
    this.read = new LockSide(new ContenderQueue(zk, path, 'read'), 'read');
    this.write = new LockSide(new ContenderQueue(zk, path, 'write'), 'write');
  }
}

/** One side of a ReadWriteLock; emits 'lost' if the session expires while it is held. */
export class LockSide extends EventEmitter {
  private node: string | null = null;

  constructor(private readonly queue: ContenderQueue, private readonly kind: 'read' | 'write') {
    super();
    queue.onSessionLost(() => {
      if (!this.node) return;
      this.node = null;
      this.emit('lost');
    });
  }

  get isHeld(): boolean {
    return this.node !== null;
  }

  async acquire(timeoutMs = Infinity): Promise<void> {
    if (this.node) throw new Error(`${this.kind} lock ${this.queue.dir} is already held by this object`);
    // A writer waits for anyone ahead; a reader only for the last writer ahead.
    const blocker = (ahead: string[]) => (this.kind === 'write' ? ahead.at(-1) : ahead.filter(isWriter).at(-1));
    const mine = await this.queue.joinAndWait(timeoutMs, blocker, `${this.kind} lock ${this.queue.dir}`, ['read', 'write']);
    this.node = mine;
  }

  async release(): Promise<void> {
    if (!this.node) throw new Error(`${this.kind} lock ${this.queue.dir} is not held`);
    const node = this.node;
    this.node = null;
    await this.queue.leave(node);
  }
}

function isWriter(name: string): boolean {
  return name.includes('-write-');
}
