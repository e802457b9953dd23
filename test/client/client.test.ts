// The TypeScript client against real servers: zab and Apache ZooKeeper 3.8 standalone, and a
// 3-node zab ensemble for moving between servers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AddWatchMode,
  BadVersionError,
  ConnectRequest,
  EventType,
  JuteReader,
  NoNodeError,
  NodeExistsError,
  NoWatcherError,
  NotReadOnlyError,
  SessionExpiredError,
  type WatcherEvent,
} from '@zab/jute';
import { WatchKind, createClient, type ZooKeeperClient } from '@zab/client';
import { fourLetter, startServer, type RunningServer, type ServerKind } from '../support/launch.js';
import { startEnsemble, type Ensemble } from '../support/ensemble.js';
import { CuttableProxy } from './proxy.js';
import { waitFor } from '../support/wait.js';

function nextEvent(): { watcher: (e: WatcherEvent) => void; event: Promise<WatcherEvent> } {
  let resolve!: (e: WatcherEvent) => void;
  const event = new Promise<WatcherEvent>((r) => (resolve = r));
  return { watcher: (e) => resolve(e), event };
}

describe.each(['zab', 'zookeeper'] as ServerKind[])('client against %s', (kind) => {
  let server: RunningServer;
  const clients: ZooKeeperClient[] = [];
  const open = async (suffix = '', opts = {}) => {
    const c = createClient(`127.0.0.1:${server.port}${suffix}`, { sessionTimeoutMs: 10_000, ...opts });
    clients.push(c);
    await c.connected();
    return c;
  };

  beforeAll(async () => {
    server = await startServer(kind);
  }, 90_000);
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await server?.stop();
  });

  it('creates, reads, updates and deletes, with typed errors', async () => {
    const c = await open();
    expect(await c.create('/t1', 'one')).toBe('/t1');
    await expect(c.create('/t1')).rejects.toBeInstanceOf(NodeExistsError);
    const { data, stat } = await c.getData('/t1');
    expect(data?.toString()).toBe('one');
    expect((await c.setData('/t1', 'two', stat.version)).version).toBe(1);
    await expect(c.setData('/t1', 'x', 0)).rejects.toBeInstanceOf(BadVersionError);
    const seq = await c.create('/t1/s-', null, { mode: 'persistent-sequential' });
    expect(seq).toBe('/t1/s-0000000000');
    expect((await c.getChildren('/t1')).children).toEqual(['s-0000000000']);
    await c.delete(seq);
    await c.delete('/t1');
    expect(await c.exists('/t1')).toBeNull();
    await expect(c.getData('/t1')).rejects.toBeInstanceOf(NoNodeError);
  });

  it.each([1_000, 4])('answers pipelined requests in the order they were sent (at most %i in flight)', async (maxInFlightRequests) => {
    const c = await open('', { maxInFlightRequests });
    const path = `/pipe-${maxInFlightRequests}`;
    await c.create(path);
    const order: number[] = [];
    await Promise.all(Array.from({ length: 200 }, (_, i) => c.setData(path, String(i)).then(() => order.push(i))));
    expect(order).toEqual(Array.from({ length: 200 }, (_, i) => i));
    expect((await c.getData(path)).data?.toString()).toBe('199');
  });

  it('keeps one-time watches beside a persistent one on one session, and removes only what is asked', async () => {
    const c = await open();
    const writer = await open();
    await writer.create('/shared', 'v0');
    const notified: WatcherEvent[] = [];
    c.on('notification', (e: WatcherEvent) => notified.push(e));
    const events = c.watch('/shared')[Symbol.asyncIterator]();
    const first = events.next();
    const once = nextEvent();
    await c.getData('/shared', { watch: once.watcher }); // must not turn the persistent watch into a one-time one
    const child = nextEvent();
    await c.getChildren('/shared', { watch: child.watcher });
    await writer.setData('/shared', 'v1');
    expect(await once.event).toMatchObject({ type: EventType.NodeDataChanged, path: '/shared' });
    expect((await first).value).toMatchObject({ type: EventType.NodeDataChanged });
    await writer.create('/shared/c');
    expect(await child.event).toMatchObject({ type: EventType.NodeChildrenChanged, path: '/shared' });
    await writer.setData('/shared', 'v2'); // the persistent watch is still there
    expect((await events.next()).value).toMatchObject({ type: EventType.NodeChildrenChanged });
    expect((await events.next()).value).toMatchObject({ type: EventType.NodeDataChanged });
    await c.checkWatches('/shared', WatchKind.Persistent);
    await events.return!(); // the last watcher on the path: the server drops its watch too
    await expect(c.checkWatches('/shared')).rejects.toBeInstanceOf(NoWatcherError);
    const before = notified.length;
    await writer.setData('/shared', 'v3');
    await c.sync('/shared');
    await c.exists('/shared'); // a notification sent for v3 would have arrived before this reply
    expect(notified.length).toBe(before);
  });

  it('serves a child watch under a recursive watch on the same path from its events', async () => {
    const c = await open();
    const writer = await open();
    await writer.create('/rec');
    const seen: WatcherEvent[] = [];
    await c.addWatch('/rec', AddWatchMode.PERSISTENT_RECURSIVE, (e) => seen.push(e));
    const child = nextEvent();
    await c.getChildren('/rec', { watch: child.watcher });
    await writer.create('/rec/a');
    expect(await child.event).toMatchObject({ type: EventType.NodeChildrenChanged, path: '/rec' });
    await writer.create('/rec/a/b');
    await waitFor('the recursive watch to keep going', () => seen.length === 2);
    expect(seen.map((e) => e.path)).toEqual(['/rec/a', '/rec/a/b']);
    await c.removeWatches('/rec', WatchKind.PersistentRecursive);
    await expect(c.removeWatches('/rec', WatchKind.PersistentRecursive)).rejects.toBeInstanceOf(NoWatcherError);
  });

  it('carries the newest zxid it has seen in every ConnectRequest', async () => {
    const proxy = new CuttableProxy(server.port);
    const port = await proxy.open();
    const c = await open('', { sessionTimeoutMs: 10_000 });
    const moved = createClient(`127.0.0.1:${port}`, { sessionTimeoutMs: 10_000 });
    clients.push(moved);
    await moved.connected();
    await moved.create('/zxid-seen');
    await c.setData('/zxid-seen', 'by another session');
    await moved.getData('/zxid-seen'); // its reply header carries the server's newest zxid
    const seen = moved.lastZxid;
    expect(seen).toBeGreaterThan(0n);
    await proxy.cut();
    await waitFor('the client to notice', () => moved.state === 'disconnected');
    await proxy.open(port);
    await waitFor('the client to reconnect', () => moved.state === 'connected');
    expect(proxy.firstFrames).toHaveLength(2);
    expect(ConnectRequest.read(new JuteReader(proxy.firstFrames[0]!)).lastZxidSeen).toBe(0n);
    const again = ConnectRequest.read(new JuteReader(proxy.firstFrames[1]!));
    expect(again.lastZxidSeen).toBe(seen);
    expect(again.sessionId).toBe(moved.sessionId);
    await moved.close();
    await proxy.cut();
  });

  it('delivers one-time, persistent and iterated watches', async () => {
    const c = await open();
    const w = await open();
    const once = nextEvent();
    expect(await w.exists('/watched', { watch: once.watcher })).toBeNull();
    await c.create('/watched');
    expect(await once.event).toMatchObject({ type: EventType.NodeCreated, path: '/watched' });

    const seen: WatcherEvent[] = [];
    await w.addWatch('/watched', AddWatchMode.PERSISTENT_RECURSIVE, (e) => seen.push(e));
    // A server keeps one watch mode per path and connection: the iterator gets its own session.
    const iterating = await open();
    const events = iterating.watch('/watched')[Symbol.asyncIterator]();
    const first = events.next();
    await waitFor('the persistent watch to be set', async () => (await iterating.exists('/watched')) !== null);
    await c.setData('/watched', 'a');
    await c.create('/watched/child');
    await waitFor('two recursive events', () => seen.length >= 2);
    expect(seen.map((e) => [e.type, e.path])).toEqual([
      [EventType.NodeDataChanged, '/watched'],
      [EventType.NodeCreated, '/watched/child'],
    ]);
    expect((await first).value).toMatchObject({ type: EventType.NodeDataChanged, path: '/watched' });
    expect((await events.next()).value).toMatchObject({ type: EventType.NodeChildrenChanged, path: '/watched' });
    await events.return!();
  });

  it('commits a transaction all or nothing', async () => {
    const c = await open();
    const ok = await c.transaction().create('/tx').create('/tx/a', 'a').setData('/tx', 'v', 0).check('/tx', 1).commit();
    expect(ok).toHaveLength(4);
    await expect(c.transaction().create('/tx/b').delete('/tx/missing').commit()).rejects.toBeInstanceOf(NoNodeError);
    expect(await c.exists('/tx/b')).toBeNull();
  });

  it('keeps paths relative to a chroot', async () => {
    const root = await open();
    await root.create('/app');
    const c = await open('/app');
    expect(await c.create('/x', 'in app', { mode: 'ephemeral' })).toBe('/x');
    expect((await root.getData('/app/x')).data?.toString()).toBe('in app');
    expect(await c.getEphemerals('/')).toEqual(['/x']);
    const ev = nextEvent();
    await c.getData('/x', { watch: ev.watcher });
    await root.setData('/app/x', 'changed');
    expect((await ev.event).path).toBe('/x');
  });

  it('survives a dropped connection within the session timeout, and expires after it', async () => {
    const proxy = new CuttableProxy(server.port);
    const port = await proxy.open();
    const c = createClient(`127.0.0.1:${port}`, { sessionTimeoutMs: 4_000 });
    clients.push(c);
    await c.connected();
    await c.create('/ephemeral-kept', null, { mode: 'ephemeral' });
    const id = c.sessionId;
    const watched = nextEvent();
    await c.getData('/ephemeral-kept', { watch: watched.watcher });
    await proxy.cut();
    await waitFor('the client to notice', () => c.state === 'disconnected');
    await proxy.open(port);
    await waitFor('the client to reconnect', () => c.state === 'connected');
    expect(c.sessionId).toBe(id);
    const other = await open();
    await other.setData('/ephemeral-kept', 'x');
    expect((await watched.event).type).toBe(EventType.NodeDataChanged); // re-registered with setWatches2
    // Now stay away past the timeout: the server expires the session.
    await proxy.cut();
    await waitFor('the ephemeral to go', async () => (await other.exists('/ephemeral-kept')) === null);
    await proxy.open(port);
    await waitFor('the client to hear it expired', () => c.state === 'expired');
    await expect(c.exists('/')).rejects.toBeInstanceOf(SessionExpiredError);
    await proxy.cut();
  });
});

describe('client against a 3-node zab ensemble', () => {
  let ens: Ensemble;
  beforeAll(async () => {
    ens = await startEnsemble('zab', { voters: 3 });
  }, 120_000);
  afterAll(async () => {
    await ens?.stop();
  });

  it('moves to another server when its server is killed, keeping session, ephemerals and watches', async () => {
    const c = createClient(ens.connectString, { sessionTimeoutMs: 10_000 });
    await c.connected();
    await c.create('/moving', null, { mode: 'ephemeral' });
    const watched = nextEvent();
    await c.getData('/moving', { watch: watched.watcher });
    const recursive: WatcherEvent[] = [];
    await c.addWatch('/', AddWatchMode.PERSISTENT_RECURSIVE, (e) => recursive.push(e));
    const id = c.sessionId;
    const port = c.connectedServer!.port;
    const member = ens.members.find((m) => m.clientPort === port)!;
    await member.kill('SIGKILL');
    await waitFor('the client to reconnect elsewhere', () => c.state === 'connected' && c.connectedServer?.port !== port, { deadlineMs: 30_000 });
    expect(c.sessionId).toBe(id);
    expect(await c.exists('/moving')).not.toBeNull();
    await c.setData('/moving', 'changed');
    expect((await watched.event).type).toBe(EventType.NodeDataChanged);
    await c.create('/moving-sibling');
    await waitFor('the persistent recursive watch to fire on the new server', () => recursive.some((e) => e.path === '/moving-sibling'));
    expect(recursive.filter((e) => e.path === '/moving').map((e) => e.type)).toEqual([EventType.NodeDataChanged]);
    await c.close();
    await member.start();
  });
});

describe('client against a ZooKeeper 3.8 member in read-only mode', () => {
  let ens: Ensemble;
  beforeAll(async () => {
    // Read-only sessions are local sessions in ZooKeeper 3.8: without them it refuses every session.
    ens = await startEnsemble('zookeeper', { voters: 3, cfg: { localSessionsEnabled: 'true' }, javaProps: { 'readonlymode.enabled': 'true' } });
  }, 120_000);
  afterAll(async () => {
    await ens?.stop();
  });

  it('reports readOnly, reads, and refuses writes with NotReadOnlyError', async () => {
    const setup = createClient(ens.connectString);
    await setup.connected();
    await setup.create('/ro-data', 'kept');
    await setup.close();
    const [survivor, ...others] = ens.members;
    for (const m of others) await m.kill('SIGKILL');
    await waitFor('the survivor to serve read-only', async () => (await fourLetter(survivor!.clientPort, 'isro').catch(() => '')) === 'ro', { deadlineMs: 60_000 });
    const c = createClient(`127.0.0.1:${survivor!.clientPort}`, { canBeReadOnly: true, sessionTimeoutMs: 10_000 });
    await c.connected();
    expect(c.state).toBe('readOnly');
    expect((await c.getData('/ro-data')).data?.toString()).toBe('kept');
    await expect(c.create('/ro-write')).rejects.toBeInstanceOf(NotReadOnlyError);
    await c.close();
  }, 120_000);
});
