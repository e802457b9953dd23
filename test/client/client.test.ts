// The TypeScript client against real servers: zab and Apache ZooKeeper 3.8 standalone, and a
// 3-node zab ensemble for moving between servers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AddWatchMode, EventType, NoNodeError, NodeExistsError, BadVersionError, NotReadOnlyError, SessionExpiredError, type WatcherEvent } from '@zab/jute';
import { createClient, type ZooKeeperClient } from '@zab/client';
import { fourLetter, startServer, type RunningServer, type ServerKind } from '../support/launch.js';
import { startEnsemble, type Ensemble } from '../support/ensemble.js';
import { CuttableProxy } from './proxy.js';

async function until(what: string, cond: () => boolean | Promise<boolean>, deadlineMs = 20_000): Promise<void> {
  const end = Date.now() + deadlineMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20)); // poll interval
  }
}

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

  it('answers pipelined requests in the order they were sent', async () => {
    const c = await open();
    await c.create('/pipe');
    const order: number[] = [];
    await Promise.all(Array.from({ length: 200 }, (_, i) => c.setData('/pipe', String(i)).then(() => order.push(i))));
    expect(order).toEqual(Array.from({ length: 200 }, (_, i) => i));
    expect((await c.getData('/pipe')).data?.toString()).toBe('199');
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
    await until('the persistent watch to be set', async () => (await iterating.exists('/watched')) !== null);
    await c.setData('/watched', 'a');
    await c.create('/watched/child');
    await until('two recursive events', () => seen.length >= 2);
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
    await until('the client to notice', () => c.state === 'disconnected');
    await proxy.open(port);
    await until('the client to reconnect', () => c.state === 'connected');
    expect(c.sessionId).toBe(id);
    const other = await open();
    await other.setData('/ephemeral-kept', 'x');
    expect((await watched.event).type).toBe(EventType.NodeDataChanged); // re-registered with setWatches2
    // Now stay away past the timeout: the server expires the session.
    await proxy.cut();
    await until('the ephemeral to go', async () => (await other.exists('/ephemeral-kept')) === null);
    await proxy.open(port);
    await until('the client to hear it expired', () => c.state === 'expired');
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
    const id = c.sessionId;
    const port = Number((c as unknown as { socket: { remotePort: number } }).socket.remotePort);
    const member = ens.members.find((m) => m.clientPort === port)!;
    await member.kill('SIGKILL');
    await until('the client to reconnect elsewhere', () => c.state === 'connected' && (c as any).socket?.remotePort !== port, 30_000);
    expect(c.sessionId).toBe(id);
    expect(await c.exists('/moving')).not.toBeNull();
    await c.setData('/moving', 'changed');
    expect((await watched.event).type).toBe(EventType.NodeDataChanged);
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
    await until('the survivor to serve read-only', async () => (await fourLetter(survivor!.clientPort, 'isro').catch(() => '')) === 'ro', 60_000);
    const c = createClient(`127.0.0.1:${survivor!.clientPort}`, { canBeReadOnly: true, sessionTimeoutMs: 10_000 });
    await c.connected();
    expect(c.state).toBe('readOnly');
    expect((await c.getData('/ro-data')).data?.toString()).toBe('kept');
    await expect(c.create('/ro-write')).rejects.toBeInstanceOf(NotReadOnlyError);
    await c.close();
  }, 120_000);
});
