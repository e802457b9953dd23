import { BadVersionError, NoNodeError, NodeExistsError } from '@zab/jute';
import type { ZooKeeperClient } from '../client.js';
import { ensurePath } from './lock-queue.js';

/** A shared counter updated by compare-and-set on the znode's version (no lost updates). */
export class SharedCounter {
  constructor(private readonly zk: ZooKeeperClient, readonly path: string) {}

  private async read(): Promise<{ value: number; version: number }> {
    try {
      const { data, stat } = await this.zk.getData(this.path);
      return { value: Number(data?.toString() ?? '0'), version: stat.version };
    } catch (e) {
      if (!(e instanceof NoNodeError)) throw e;
      const parent = this.path.slice(0, this.path.lastIndexOf('/'));
      if (parent) await ensurePath(this.zk, parent);
      await this.zk.create(this.path, '0').catch((e) => {
        if (!(e instanceof NodeExistsError)) throw e;
      });
      return this.read();
    }
  }

  async get(): Promise<number> {
    return (await this.read()).value;
  }

  /** Adds `delta` atomically (retrying on concurrent updates); returns the new value. */
  async add(delta: number): Promise<number> {
    for (;;) {
      const { value, version } = await this.read();
      try {
        await this.zk.setData(this.path, String(value + delta), version);
        return value + delta;
      } catch (e) {
        if (!(e instanceof BadVersionError)) throw e;
      }
    }
  }
}
