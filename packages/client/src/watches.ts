import { AddWatchMode, EventType, type WatcherEvent } from '@zab/jute';

/** Called with each event a watch delivers; paths are the client's (chroot removed). */
export type Watcher = (event: WatcherEvent) => void;

type Table = Map<string, Set<Watcher>>;

/**
 * The client's watch registrations, kept so they can be re-registered (setWatches2) after a
 * reconnect, and dispatched as ZooKeeper does: one-time data, exist and child watches are
 * removed when they fire; persistent ones stay; recursive ones see every path below theirs
 * (but not child events).
 */
export class WatchRegistry {
  readonly data: Table = new Map();
  readonly exist: Table = new Map();
  readonly child: Table = new Map();
  readonly persistent: Table = new Map();
  readonly recursive: Table = new Map();

  add(table: Table, path: string, w: Watcher): void {
    let set = table.get(path);
    if (!set) table.set(path, (set = new Set()));
    set.add(w);
  }

  addPersistent(path: string, mode: number, w: Watcher): void {
    this.add(mode === AddWatchMode.PERSISTENT_RECURSIVE ? this.recursive : this.persistent, path, w);
  }

  get isEmpty(): boolean {
    return [this.data, this.exist, this.child, this.persistent, this.recursive].every((t) => t.size === 0);
  }

  /** Which watchers an event fires (one-time ones are removed). */
  take(event: WatcherEvent): Watcher[] {
    const out: Watcher[] = [];
    const once = (table: Table) => {
      const set = table.get(event.path);
      if (!set) return;
      table.delete(event.path);
      for (const w of set) out.push(w);
    };
    switch (event.type) {
      case EventType.NodeCreated:
      case EventType.NodeDataChanged:
        once(this.data);
        once(this.exist);
        break;
      case EventType.NodeDeleted:
        once(this.data);
        once(this.exist);
        once(this.child);
        break;
      case EventType.NodeChildrenChanged:
        once(this.child);
        break;
      default:
        break;
    }
    for (const w of this.persistent.get(event.path) ?? []) out.push(w);
    if (event.type !== EventType.NodeChildrenChanged) {
      for (const [p, set] of this.recursive) if (isAtOrBelow(event.path, p)) for (const w of set) out.push(w);
    }
    return [...new Set(out)];
  }

  /** Forgets the watches `type` names on path (removeWatches): 1 child, 2 data/exist, 3 any. */
  remove(path: string, type: number): void {
    if (type === 1 || type === 3) this.child.delete(path);
    if (type === 2 || type === 3) {
      this.data.delete(path);
      this.exist.delete(path);
    }
    if (type === 3 || type === 4) {
      this.persistent.delete(path);
      this.recursive.delete(path);
    }
  }

  /** Every watched path by kind, for setWatches2. */
  paths(): { data: string[]; exist: string[]; child: string[]; persistent: string[]; recursive: string[] } {
    return {
      data: [...this.data.keys()],
      exist: [...this.exist.keys()],
      child: [...this.child.keys()],
      persistent: [...this.persistent.keys()],
      recursive: [...this.recursive.keys()],
    };
  }

  /** Every watcher, once (to tell them the session ended). */
  all(): Watcher[] {
    const out = new Set<Watcher>();
    for (const t of [this.data, this.exist, this.child, this.persistent, this.recursive]) for (const s of t.values()) for (const w of s) out.add(w);
    return [...out];
  }

  clear(): void {
    for (const t of [this.data, this.exist, this.child, this.persistent, this.recursive]) t.clear();
  }
}

function isAtOrBelow(path: string, root: string): boolean {
  return path === root || root === '/' || path.startsWith(root + '/');
}
