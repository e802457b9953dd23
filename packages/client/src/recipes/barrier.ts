import { NoNodeError, NodeExistsError } from '@zab/jute';
import type { ZooKeeperClient } from '../client.js';
import { ensurePath } from './lock-queue.js';
import { retryOnConnectionLoss } from './retry.js';

/**
 * Waits until `arm` reports its condition holds, re-checking whenever the watch it sets fires.
 * A lost connection only means checking again once reconnected (the watch, if it was set, is
 * re-registered anyway); an expired session ends the wait with SessionExpiredError.
 */
async function waitUntil(zk: ZooKeeperClient, arm: (wake: () => void) => Promise<boolean>): Promise<void> {
  for (;;) {
    let wake!: () => void;
    const fired = new Promise<void>((r) => (wake = r));
    if (await retryOnConnectionLoss(zk, () => arm(wake))) return;
    await fired;
  }
}

/** A barrier: holders set it; waiters block until it is removed. */
export class Barrier {
  constructor(private readonly zk: ZooKeeperClient, readonly path: string) {}

  async set(): Promise<void> {
    const parent = this.path.slice(0, this.path.lastIndexOf('/'));
    if (parent) await ensurePath(this.zk, parent);
    await this.zk.create(this.path).catch((e) => {
      if (!(e instanceof NodeExistsError)) throw e;
    });
  }

  async remove(): Promise<void> {
    await this.zk.delete(this.path).catch((e) => {
      if (!(e instanceof NoNodeError)) throw e;
    });
  }

  /** Resolves once the barrier is not set. */
  waitOnBarrier(): Promise<void> {
    return waitUntil(this.zk, async (wake) => (await this.zk.exists(this.path, { watch: wake })) === null);
  }
}

/**
 * A double barrier: `enter` waits until `size` members have entered, `leave` until all have
 * left. Members are ephemeral children, so a member whose session ends counts as left.
 */
export class DoubleBarrier {
  private node: string | null = null;

  constructor(private readonly zk: ZooKeeperClient, readonly path: string, readonly size: number, readonly memberId: string) {}

  async enter(): Promise<void> {
    await ensurePath(this.zk, this.path);
    this.node = `${this.path}/${this.memberId}`;
    await this.zk.create(this.node, null, { mode: 'ephemeral' }).catch((e) => {
      if (!(e instanceof NodeExistsError)) throw e;
    });
    const ready = `${this.path}-ready`;
    if ((await this.zk.getChildren(this.path)).children.length >= this.size) {
      await this.zk.create(ready).catch((e) => {
        if (!(e instanceof NodeExistsError)) throw e;
      });
    }
    await waitUntil(this.zk, async (wake) => (await this.zk.exists(ready, { watch: wake })) !== null);
  }

  async leave(): Promise<void> {
    if (this.node) await this.zk.delete(this.node).catch(() => undefined);
    this.node = null;
    await waitUntil(this.zk, async (wake) => (await this.zk.getChildren(this.path, { watch: wake })).children.length === 0);
    await this.zk.delete(`${this.path}-ready`).catch(() => undefined);
  }
}
