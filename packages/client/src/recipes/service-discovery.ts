import { EventEmitter } from 'node:events';
import { NoNodeError } from '@zab/jute';
import type { ZooKeeperClient } from '../client.js';
import { ensurePath } from './lock-queue.js';

export interface ServiceInstance {
  id: string;
  address: string;
  port: number;
  payload?: unknown;
}

/**
 * Service discovery: instances register as ephemeral children of `/services/<name>` (JSON),
 * so a crashed instance disappears with its session; a watcher keeps the current set and
 * emits 'change' with it. A registration is redone after a session expiry if the owner
 * calls register() again on the new client.
 */
export class ServiceDiscovery extends EventEmitter {
  instances: ServiceInstance[] = [];
  private stopped = false;

  constructor(private readonly zk: ZooKeeperClient, readonly basePath = '/services') {
    super();
  }

  async register(name: string, instance: ServiceInstance): Promise<void> {
    const dir = `${this.basePath}/${name}`;
    await ensurePath(this.zk, dir);
    await this.zk.create(`${dir}/${instance.id}`, JSON.stringify(instance), { mode: 'ephemeral' });
  }

  async unregister(name: string, id: string): Promise<void> {
    await this.zk.delete(`${this.basePath}/${name}/${id}`).catch((e) => {
      if (!(e instanceof NoNodeError)) throw e;
    });
  }

  /** Starts watching `name`'s instances; resolves with the current set. */
  async watch(name: string): Promise<ServiceInstance[]> {
    const dir = `${this.basePath}/${name}`;
    await ensurePath(this.zk, dir);
    const refresh = async (): Promise<void> => {
      if (this.stopped) return;
      const { children } = await this.zk.getChildren(dir, { watch: () => void refresh().catch(() => undefined) });
      const found: ServiceInstance[] = [];
      for (const c of children.sort()) {
        try {
          found.push(JSON.parse((await this.zk.getData(`${dir}/${c}`)).data?.toString() ?? '{}'));
        } catch (e) {
          if (!(e instanceof NoNodeError)) throw e;
        }
      }
      this.instances = found;
      this.emit('change', found);
    };
    await refresh();
    return this.instances;
  }

  stop(): void {
    this.stopped = true;
  }
}
