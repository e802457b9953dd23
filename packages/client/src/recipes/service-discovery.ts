import { EventEmitter } from 'node:events';
import { NoNodeError, NodeExistsError } from '@zab/jute';
import type { ZooKeeperClient } from '../client.js';
import { ensurePath } from './lock-queue.js';
import { retryOnConnectionLoss } from './retry.js';

export interface ServiceInstance {
  id: string;
  address: string;
  port: number;
  payload?: unknown;
}

/**
 * Service discovery: instances register as ephemeral children of `/services/<name>` (JSON),
 * so a crashed instance disappears with its session; a watcher keeps the current set and
 * emits 'change' with it, looking again after a reconnect. When the session expires its
 * registrations are gone: 'expired' says so, and the owner registers again on a new client.
 */
export class ServiceDiscovery extends EventEmitter {
  instances: ServiceInstance[] = [];
  private stopped = false;

  constructor(private readonly zk: ZooKeeperClient, readonly basePath = '/services') {
    super();
    zk.on('expired', () => this.emit('expired'));
  }

  /**
   * Registers an instance. A create whose reply was lost is tried again; finding the node
   * then owned by this session means the first one happened.
   */
  async register(name: string, instance: ServiceInstance): Promise<void> {
    const dir = `${this.basePath}/${name}`;
    await ensurePath(this.zk, dir);
    const node = `${dir}/${instance.id}`;
    await retryOnConnectionLoss(this.zk, () => this.zk.create(node, JSON.stringify(instance), { mode: 'ephemeral' })).catch(async (e) => {
      if (!(e instanceof NodeExistsError) || (await this.zk.exists(node))?.ephemeralOwner !== this.zk.sessionId) throw e;
    });
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
    // A refresh cut off by a lost connection is done again once reconnected.
    const retry = () => void retryOnConnectionLoss(this.zk, refresh).catch((e: unknown) => this.emit('error', e));
    const refresh = async (): Promise<void> => {
      if (this.stopped) return;
      const { children } = await this.zk.getChildren(dir, { watch: retry });
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
    await retryOnConnectionLoss(this.zk, refresh);
    return this.instances;
  }

  stop(): void {
    this.stopped = true;
  }
}
