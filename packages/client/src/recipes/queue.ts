import { randomUUID } from 'node:crypto';
import { ConnectionLossError, NoNodeError } from '@zab/jute';
import type { ZooKeeperClient } from '../client.js';
import { ensurePath, seqOf } from './lock-queue.js';
import { retryOnConnectionLoss } from './retry.js';

/**
 * A distributed FIFO queue (and its priority variant): items are persistent sequential
 * children; a consumer takes the lowest by deleting it, so each item is taken exactly once
 * even with many consumers (a consumer that loses the race to delete tries the next one).
 * With priorities, the item name starts with a zero-padded priority: lower comes first,
 * FIFO within a priority.
 */
export class DistributedQueue {
  constructor(private readonly zk: ZooKeeperClient, readonly path: string, private readonly withPriority = false) {}

  /**
   * Adds an item. Its name carries a fresh GUID, so when the reply is lost with the connection
   * the item is looked for rather than put twice.
   */
  async put(data: Buffer | string, priority = 0): Promise<string> {
    await ensurePath(this.zk, this.path);
    const guid = randomUUID();
    const name = this.withPriority ? `p${String(Math.max(0, Math.min(priority, 9999))).padStart(4, '0')}-${guid}-item-` : `${guid}-item-`;
    for (;;) {
      try {
        return await this.zk.create(`${this.path}/${name}`, data, { mode: 'persistent-sequential' });
      } catch (e) {
        if (!(e instanceof ConnectionLossError)) throw e;
        const { children } = await retryOnConnectionLoss(this.zk, () => this.zk.getChildren(this.path));
        const mine = children.find((c) => c.includes(guid));
        if (mine) return `${this.path}/${mine}`;
      }
    }
  }

  private order(children: string[]): string[] {
    const key = (c: string) => (this.withPriority ? Number(c.slice(1, 5)) * 1e10 : 0) + seqOf(c);
    return children.filter((c) => c.includes('item-')).sort((a, b) => key(a) - key(b));
  }

  /**
   * Takes the head item, or returns null when the queue is empty. The delete goes in one
   * transaction with a claim node named by a fresh GUID, so when its reply is lost with the
   * connection the claim tells whether this consumer took the item: never lost, never twice.
   */
  async poll(): Promise<Buffer | null> {
    await ensurePath(this.zk, this.path);
    await ensurePath(this.zk, this.claims);
    for (;;) {
      const { children } = await this.zk.getChildren(this.path);
      const ordered = this.order(children);
      if (!ordered.length) return null;
      for (const name of ordered) {
        let data: Buffer | null;
        try {
          data = (await this.zk.getData(`${this.path}/${name}`)).data;
        } catch (e) {
          if (e instanceof NoNodeError) continue; // another consumer took it
          throw e;
        }
        const claim = `${this.claims}/${randomUUID()}`;
        try {
          await this.zk.transaction().delete(`${this.path}/${name}`).create(claim).commit();
        } catch (e) {
          if (e instanceof NoNodeError) continue;
          if (!(e instanceof ConnectionLossError)) throw e;
          await this.zk.connected();
          if ((await this.zk.exists(claim)) === null) continue; // the transaction did not happen
        }
        await this.zk.delete(claim).catch(() => undefined);
        return data ?? Buffer.alloc(0);
      }
    }
  }

  private get claims(): string {
    return `${this.path}-claims`;
  }

  /** Takes the head item, waiting for one (watching the queue's children) up to timeoutMs. */
  async take(timeoutMs = Infinity): Promise<Buffer> {
    const deadline = timeoutMs === Infinity ? Infinity : Date.now() + timeoutMs;
    for (;;) {
      const item = await this.poll();
      if (item) return item;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`queue ${this.path}: nothing within ${timeoutMs} ms`);
      await new Promise<void>((resolve, reject) => {
        const timer = left < 0x7fffffff ? setTimeout(resolve, left) : undefined;
        const wake = () => (clearTimeout(timer), resolve());
        retryOnConnectionLoss(this.zk, () => this.zk.getChildren(this.path, { watch: wake })).then(({ children }) => {
          if (this.order(children).length) wake();
        }, (e: unknown) => (clearTimeout(timer), reject(e)));
      });
    }
  }
}
