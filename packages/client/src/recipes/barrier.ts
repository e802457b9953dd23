import { NoNodeError, NodeExistsError } from '@zab/jute';
import type { ZooKeeperClient } from '../client.js';
import { ensurePath } from './lock-queue.js';

/** Waits until `cond` holds, re-checking whenever the watch `arm` sets fires. */
async function waitUntil(arm: (wake: () => void) => Promise<boolean>): Promise<void> {
  for (;;) {
    let wake!: () => void;
    const fired = new Promise<void>((r) => (wake = r));
    if (await arm(wake)) return;
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
    return waitUntil(async (wake) => (await this.zk.exists(this.path, { watch: wake })) === null);
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
    await waitUntil(async (wake) => (await this.zk.exists(ready, { watch: wake })) !== null);
  }

  async leave(): Promise<void> {
    if (this.node) await this.zk.delete(this.node).catch(() => undefined);
    this.node = null;
    await waitUntil(async (wake) => (await this.zk.getChildren(this.path, { watch: wake })).children.length === 0);
    await this.zk.delete(`${this.path}-ready`).catch(() => undefined);
  }
}
