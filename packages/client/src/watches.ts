import { EventType, WatcherType, type WatcherEvent } from '@zab/jute';

/** Called with each event a watch delivers; paths are the client's (chroot removed). */
export type Watcher = (event: WatcherEvent) => void;

/**
 * The kinds of watch removeWatches and checkWatches name: WatcherType's Children, Data and Any,
 * plus the two persistent kinds (numbered as ZooKeeper 3.9 numbers them; they never go on the
 * wire, where a 3.8 server knows only 1-3). `Persistent` names both persistent modes, so one
 * call ends whichever persistent watch a path has.
 */
export const WatchKind = {
  ...WatcherType,
  Persistent: 4,
  PersistentRecursive: 5,
} as const;

type Table = Map<string, Set<Watcher>>;

/** What removing watchers left behind on a path, so the caller knows what to ask of the server. */
export interface Removal {
  /** Some watcher matched (else the caller reports NoWatcher). */
  removed: boolean;
  /** No local watcher of any kind is left on the path: the server's registration can go. */
  pathIsFree: boolean;
  /** A persistent watch is left on the path: the server's registration must stay as it is. */
  persistentLeft: boolean;
}

/**
 * The client's watch registrations, kept so they can be re-registered (setWatches2) after a
 * reconnect, and dispatched as ZooKeeper does: one-time data, exist and child watches are
 * removed when they fire; persistent ones stay; recursive ones see every path below theirs
 * (but not child events).
 *
 * A server keeps one watch mode per (connection, path): a one-time watch set on a path that
 * has a persistent watch would turn it into a one-time one. So while a path has a persistent
 * watch, one-time watches on it are served from its events (`servedLocally`) and never sent;
 * under a recursive watch, which carries no child events, a child watch fires on the
 * NodeCreated/NodeDeleted of a direct child.
 */
export class WatchRegistry {
  readonly data: Table = new Map();
  readonly exist: Table = new Map();
  readonly child: Table = new Map();
  readonly persistent: Table = new Map();
  readonly recursive: Table = new Map();

  private get tables(): Table[] {
    return [this.data, this.exist, this.child, this.persistent, this.recursive];
  }

  add(table: Table, path: string, w: Watcher): void {
    let set = table.get(path);
    if (!set) table.set(path, (set = new Set()));
    set.add(w);
  }

  addPersistent(path: string, recursive: boolean, w: Watcher): void {
    this.add(recursive ? this.recursive : this.persistent, path, w);
  }

  /** True when a persistent watch on `path` already delivers what a one-time watch would. */
  servedLocally(path: string): boolean {
    return this.persistent.has(path) || this.recursive.has(path);
  }

  get isEmpty(): boolean {
    return this.tables.every((t) => t.size === 0);
  }

  /** Which watchers an event fires (one-time ones are removed). */
  take(event: WatcherEvent): Watcher[] {
    const out = new Set<Watcher>();
    const once = (table: Table, path = event.path) => {
      const set = table.get(path);
      if (!set) return;
      table.delete(path);
      for (const w of set) out.add(w);
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
    for (const w of this.persistent.get(event.path) ?? []) out.add(w);
    if (event.type !== EventType.NodeChildrenChanged) {
      for (const [p, set] of this.recursive) if (isAtOrBelow(event.path, p)) for (const w of set) out.add(w);
    }
    return [...out];
  }

  /**
   * The child watchers a recursive watch's event stands for (see the class comment), removed;
   * they are to be called with NodeChildrenChanged on the parent.
   */
  takeChildWatchersUnderRecursive(event: WatcherEvent): { parent: string; watchers: Watcher[] } | null {
    if (event.type !== EventType.NodeCreated && event.type !== EventType.NodeDeleted) return null;
    const parent = parentOf(event.path);
    if (parent === null || !this.recursive.has(parent) || this.persistent.has(parent)) return null;
    const set = this.child.get(parent);
    if (!set) return null;
    this.child.delete(parent);
    return { parent, watchers: [...set] };
  }

  /** Forgets the watches of `kind` (WatchKind) on path: all of them, or only `watcher`'s. */
  remove(path: string, kind: number, watcher?: Watcher): Removal {
    let removed = false;
    for (const table of this.tablesOf(kind)) {
      const set = table.get(path);
      if (!set) continue;
      if (watcher === undefined) {
        table.delete(path);
        removed = true;
      } else if (set.delete(watcher)) {
        removed = true;
        if (set.size === 0) table.delete(path);
      }
    }
    return { removed, pathIsFree: this.tables.every((t) => !t.has(path)), persistentLeft: this.servedLocally(path) };
  }

  /** Whether a watch of `kind` is registered on path (by `watcher`, if given). */
  has(path: string, kind: number, watcher?: Watcher): boolean {
    return this.tablesOf(kind).some((t) => {
      const set = t.get(path);
      return set !== undefined && (watcher === undefined || set.has(watcher));
    });
  }

  private tablesOf(kind: number): Table[] {
    switch (kind) {
      case WatchKind.Children:
        return [this.child];
      case WatchKind.Data:
        return [this.data, this.exist];
      case WatchKind.Any:
        return this.tables;
      case WatchKind.Persistent:
        return [this.persistent, this.recursive];
      case WatchKind.PersistentRecursive:
        return [this.recursive];
      default:
        throw new RangeError(`unknown watch kind ${kind}`);
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
    for (const t of this.tables) for (const s of t.values()) for (const w of s) out.add(w);
    return [...out];
  }

  clear(): void {
    for (const t of this.tables) t.clear();
  }
}

function isAtOrBelow(path: string, root: string): boolean {
  return path === root || root === '/' || path.startsWith(root + '/');
}

function parentOf(path: string): string | null {
  if (path === '/') return null;
  const slash = path.lastIndexOf('/');
  return slash === 0 ? '/' : path.slice(0, slash);
}
