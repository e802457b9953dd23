import { EventEmitter } from 'node:events';
import { AddWatchMode, EventType, NoNodeError, type Stat, type WatcherEvent } from '@zab/jute';
import type { ZooKeeperClient } from '../client.js';

/**
 * A local copy of one znode kept current with a persistent watch (config watching). Emits
 * 'change' with the new data (null when the node is gone) after each change.
 */
export class NodeCache extends EventEmitter {
  data: Buffer | null = null;
  stat: Stat | null = null;

  constructor(private readonly zk: ZooKeeperClient, readonly path: string) {
    super();
  }

  async start(): Promise<void> {
    await this.zk.addWatch(this.path, AddWatchMode.PERSISTENT, () => void this.refresh());
    this.zk.on('connected', () => void this.refresh()); // changes missed while away
    await this.refresh();
  }

  private async refresh(): Promise<void> {
    try {
      const { data, stat } = await this.zk.getData(this.path);
      if (this.stat && stat.mzxid === this.stat.mzxid) return;
      this.data = data;
      this.stat = stat;
    } catch (e) {
      if (!(e instanceof NoNodeError)) return;
      if (this.stat === null) return;
      this.data = this.stat = null;
    }
    this.emit('change', this.data);
  }
}

/**
 * A local copy of a whole subtree (path -> data), kept current with one persistent recursive
 * watch. Emits 'change' with the path after each update. Events missed while disconnected are
 * made up for by reloading the subtree on reconnect.
 */
export class TreeCache extends EventEmitter {
  readonly nodes = new Map<string, Buffer | null>();

  constructor(private readonly zk: ZooKeeperClient, readonly root: string) {
    super();
  }

  async start(): Promise<void> {
    await this.zk.addWatch(this.root, AddWatchMode.PERSISTENT_RECURSIVE, (e) => void this.onEvent(e));
    this.zk.on('connected', () => void this.resync().catch(() => undefined));
    await this.resync();
  }

  /** Loads the subtree afresh, then reports every path that appeared, changed or went. */
  private async resync(): Promise<void> {
    const fresh = new Map<string, Buffer | null>();
    await this.load(this.root, fresh);
    const changed = [...this.nodes.keys()].filter((p) => !fresh.has(p));
    for (const [p, data] of fresh) if (!this.nodes.has(p) || !sameData(this.nodes.get(p)!, data)) changed.push(p);
    this.nodes.clear();
    for (const [p, data] of fresh) this.nodes.set(p, data);
    for (const p of changed) this.emit('change', p);
  }

  private async load(path: string, into: Map<string, Buffer | null>): Promise<void> {
    try {
      const { data } = await this.zk.getData(path);
      into.set(path, data);
      const { children } = await this.zk.getChildren(path);
      for (const c of children) await this.load(path === '/' ? `/${c}` : `${path}/${c}`, into);
    } catch (e) {
      if (!(e instanceof NoNodeError)) throw e;
    }
  }

  private async onEvent(e: WatcherEvent): Promise<void> {
    if (e.type === EventType.NodeDeleted) {
      for (const p of [...this.nodes.keys()]) if (p === e.path || p.startsWith(`${e.path}/`)) this.nodes.delete(p);
    } else if (e.type === EventType.NodeCreated || e.type === EventType.NodeDataChanged) {
      try {
        this.nodes.set(e.path, (await this.zk.getData(e.path)).data);
      } catch (err) {
        if (!(err instanceof NoNodeError)) return;
        this.nodes.delete(e.path);
      }
    } else return;
    this.emit('change', e.path);
  }
}

function sameData(a: Buffer | null, b: Buffer | null): boolean {
  return a === null || b === null ? a === b : a.equals(b);
}
