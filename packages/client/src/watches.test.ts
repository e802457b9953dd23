import { describe, expect, it } from 'vitest';
import { EventType, KeeperState, type WatcherEvent } from '@zab/jute';
import { WatchKind, WatchRegistry, type Watcher } from './watches.js';

const ev = (type: number, path: string): WatcherEvent => ({ type, state: KeeperState.SyncConnected, path });

function recorder(): { w: Watcher; seen: string[] } {
  const seen: string[] = [];
  return { w: (e) => seen.push(`${e.type} ${e.path}`), seen };
}

describe('WatchRegistry', () => {
  it('fires one-time watches once and persistent ones every time', () => {
    const r = new WatchRegistry();
    const once = recorder();
    const always = recorder();
    r.add(r.data, '/a', once.w);
    r.addPersistent('/a', false, always.w);
    expect(r.take(ev(EventType.NodeDataChanged, '/a'))).toHaveLength(2);
    expect(r.take(ev(EventType.NodeDataChanged, '/a'))).toEqual([always.w]);
  });

  it('gives recursive watches every path below, but no child events', () => {
    const r = new WatchRegistry();
    const rec = recorder();
    r.addPersistent('/a', true, rec.w);
    expect(r.take(ev(EventType.NodeCreated, '/a/b/c'))).toEqual([rec.w]);
    expect(r.take(ev(EventType.NodeChildrenChanged, '/a'))).toEqual([]);
    expect(r.take(ev(EventType.NodeCreated, '/ab'))).toEqual([]);
  });

  it('serves a child watch under a recursive watch from its children’s events', () => {
    const r = new WatchRegistry();
    const child = recorder();
    r.addPersistent('/a', true, () => undefined);
    expect(r.servedLocally('/a')).toBe(true);
    r.add(r.child, '/a', child.w);
    expect(r.takeChildWatchersUnderRecursive(ev(EventType.NodeDataChanged, '/a/x'))).toBeNull();
    expect(r.takeChildWatchersUnderRecursive(ev(EventType.NodeCreated, '/a/x'))).toEqual({ parent: '/a', watchers: [child.w] });
    expect(r.takeChildWatchersUnderRecursive(ev(EventType.NodeCreated, '/a/y'))).toBeNull(); // one-time
  });

  it('removes one watcher or all of a kind, and says what is left on the path', () => {
    const r = new WatchRegistry();
    const a = recorder();
    const b = recorder();
    r.addPersistent('/p', false, a.w);
    r.addPersistent('/p', false, b.w);
    r.add(r.child, '/p', a.w);
    expect(r.remove('/p', WatchKind.Persistent, a.w)).toEqual({ removed: true, pathIsFree: false, persistentLeft: true });
    expect(r.remove('/p', WatchKind.Persistent, a.w).removed).toBe(false);
    expect(r.remove('/p', WatchKind.Persistent)).toEqual({ removed: true, pathIsFree: false, persistentLeft: false });
    expect(r.has('/p', WatchKind.Children, a.w)).toBe(true);
    expect(r.remove('/p', WatchKind.Any)).toEqual({ removed: true, pathIsFree: true, persistentLeft: false });
    expect(r.isEmpty).toBe(true);
    expect(() => r.remove('/p', 9)).toThrow(RangeError);
  });
});
