import { EventType, type ACL } from '@zab/jute';
import { parentOf } from './path.js';

/** Whatever receives watch notifications: a client connection. */
export interface Watcher {
  /**
   * Delivers a WatcherEvent (state SyncConnected) to the client; when `acl` is given, only
   * if the client may READ a node with that ACL.
   */
  notifyWatch(type: number, path: string, acl?: readonly ACL[]): void;
}

/** checkWatches was given a path ZooKeeper cannot walk (no leading '/'). */
export class RelativePathError extends Error {
  constructor(readonly path: string) {
    super(`cannot walk relative path ${path}`);
  }
}

export type WatchMode = 'standard' | 'persistent' | 'recursive';

/**
 * One watch table (ZooKeeper keeps two: data watches and child watches). Each
 * (watcher, path) pair has a single mode; registering again replaces it, exactly as
 * ZooKeeper 3.8 does. Standard watches are removed when they fire; persistent ones
 * stay. Recursive watches fire for every descendant but never for NodeChildrenChanged.
 */
export class WatchTable {
  private readonly byPath = new Map<string, Map<Watcher, WatchMode>>();
  private readonly byWatcher = new Map<Watcher, Set<string>>();
  private recursiveCount = 0;

  add(path: string, watcher: Watcher, mode: WatchMode): void {
    let watchers = this.byPath.get(path);
    if (!watchers) this.byPath.set(path, (watchers = new Map()));
    const old = watchers.get(watcher);
    if (old === 'recursive') this.recursiveCount--;
    if (mode === 'recursive') this.recursiveCount++;
    watchers.set(watcher, mode);
    let paths = this.byWatcher.get(watcher);
    if (!paths) this.byWatcher.set(watcher, (paths = new Set()));
    paths.add(path);
  }

  remove(path: string, watcher: Watcher): boolean {
    const watchers = this.byPath.get(path);
    const mode = watchers?.get(watcher);
    if (!watchers || mode === undefined) return false;
    watchers.delete(watcher);
    if (mode === 'recursive') this.recursiveCount--;
    if (watchers.size === 0) this.byPath.delete(path);
    const paths = this.byWatcher.get(watcher)!;
    paths.delete(path);
    if (paths.size === 0) this.byWatcher.delete(watcher);
    return true;
  }

  contains(path: string, watcher: Watcher): boolean {
    return this.byPath.get(path)?.has(watcher) ?? false;
  }

  /**
   * checkWatches as ZooKeeper 3.8 answers it: true when *any* watcher watches `path`, or
   * when this watcher's watch there is recursive. (ZooKeeper's WatchManager.containsWatcher
   * does not look at which watcher it found; clients see that, so zab answers the same.)
   */
  checkWatches(path: string, watcher: Watcher): boolean {
    const mode = this.byPath.get(path)?.get(watcher);
    if (this.recursiveCount === 0) return (this.byPath.get(path)?.size ?? 0) > 0 || mode === 'recursive';
    // With recursive watches present ZooKeeper walks up the path; a path without a leading
    // '/' makes that walk fail, which the client sees as MarshallingError.
    let next = path;
    let atLeaf = true;
    while (next !== '') {
      const current = next;
      if (next === '/') next = '';
      else {
        const slash = next.lastIndexOf('/');
        if (slash < 0) throw new RelativePathError(path);
        next = slash === 0 ? '/' : next.slice(0, slash);
      }
      if (atLeaf && (this.byPath.get(current)?.size ?? 0) > 0) return true;
      if (mode === 'recursive') return true;
      atLeaf = false;
    }
    return false;
  }

  /** Drops every watch of a watcher (its connection closed). */
  removeWatcher(watcher: Watcher): void {
    const paths = this.byWatcher.get(watcher);
    if (!paths) return;
    for (const p of [...paths]) this.remove(p, watcher);
  }

  /**
   * Fires the watches an event at `path` matches and returns who was notified.
   * `suppress` holds watchers that already got this event from the other table.
   */
  trigger(path: string, type: number, suppress?: Set<Watcher>, acl?: readonly ACL[]): Set<Watcher> {
    const fired = new Set<Watcher>();
    const here = this.byPath.get(path);
    if (here) {
      for (const [w, mode] of here) {
        if (mode === 'recursive') {
          if (type !== EventType.NodeChildrenChanged) fired.add(w);
          continue;
        }
        fired.add(w);
        if (mode === 'standard') this.remove(path, w);
      }
    }
    if (this.recursiveCount > 0 && path !== '/') {
      for (let p = parentOf(path); ; p = parentOf(p)) {
        const up = this.byPath.get(p);
        if (up && type !== EventType.NodeChildrenChanged) {
          for (const [w, mode] of up) if (mode === 'recursive') fired.add(w);
        }
        if (p === '/') break;
      }
    }
    for (const w of fired) if (!suppress?.has(w)) w.notifyWatch(type, path, acl);
    return fired;
  }

  /** Watches in the table. Counted over watchers, as there are far fewer of them than paths (mntr and wchs read it). */
  get size(): number {
    let n = 0;
    for (const paths of this.byWatcher.values()) n += paths.size;
    return n;
  }

  /** Watchers (connections) with at least one watch here. */
  get watcherCount(): number {
    return this.byWatcher.size;
  }

  get pathCount(): number {
    return this.byPath.size;
  }

  /** path -> watchers, for wchp/wchc/dump. */
  entries(): IterableIterator<[string, Map<Watcher, WatchMode>]> {
    return this.byPath.entries();
  }

  pathsOf(watcher: Watcher): ReadonlySet<string> {
    return this.byWatcher.get(watcher) ?? new Set();
  }
}

/** The data and child watch tables together, with ZooKeeper's registration rules. */
export class WatchManager {
  readonly data = new WatchTable();
  readonly child = new WatchTable();

  /** addWatch: persistent watches go into both tables, as ZooKeeper registers them. */
  addPersistent(path: string, watcher: Watcher, recursive: boolean): void {
    const mode: WatchMode = recursive ? 'recursive' : 'persistent';
    this.data.add(path, watcher, mode);
    this.child.add(path, watcher, mode);
  }

  removeWatcher(watcher: Watcher): void {
    this.data.removeWatcher(watcher);
    this.child.removeWatcher(watcher);
  }
}
