// Recipes with many concurrent clients against a real zab server (separate processes where it matters).
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import {
  Barrier,
  DistributedQueue,
  DoubleBarrier,
  LeaderElection,
  LockTimeoutError,
  Mutex,
  NodeCache,
  ReadWriteLock,
  Semaphore,
  ServiceDiscovery,
  SharedCounter,
  TreeCache,
  createClient,
  ensurePath,
  type ZooKeeperClient,
} from '@zab/client';
import { suiteServer } from '../support/suite-server.js';
import { CuttableProxy } from './proxy.js';
import { waitFor } from '../support/wait.js';

const server = suiteServer('zab');
const clients: ZooKeeperClient[] = [];
async function open(): Promise<ZooKeeperClient> {
  const c = createClient(`127.0.0.1:${server.port}`, { sessionTimeoutMs: 10_000 });
  clients.push(c);
  await c.connected();
  return c;
}

/** A client whose connection runs through a proxy the test can cut (and reopen on `port`). */
async function openBehindProxy(sessionTimeoutMs: number): Promise<{ proxy: CuttableProxy; port: number; zk: ZooKeeperClient }> {
  const proxy = new CuttableProxy(server.port);
  const port = await proxy.open();
  const zk = createClient(`127.0.0.1:${port}`, { sessionTimeoutMs });
  clients.push(zk);
  await zk.connected();
  return { proxy, port, zk };
}

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
});

describe('recipes', () => {
  it('mutex: processes contending never hold it together', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'zab-mutex-'));
    const log = path.join(dir, 'holders.log');
    const worker = fileURLToPath(new URL('./mutex-worker.mjs', import.meta.url));
    const procs = [1, 2, 3, 4].map((id) => spawn(process.execPath, [worker, `127.0.0.1:${server.port}`, log, String(id), '5'], { stdio: ['ignore', 'inherit', 'inherit'] }));
    const codes = await Promise.all(procs.map((p) => new Promise<number | null>((r) => p.on('exit', r))));
    expect(codes).toEqual([0, 0, 0, 0]);
    const lines = (await readFile(log, 'utf8')).trim().split('\n');
    expect(lines).toHaveLength(40);
    for (let i = 0; i < lines.length; i += 2) {
      const holder = lines[i]!.split(' ')[1];
      expect(lines[i], `line ${i}`).toBe(`enter ${holder}`);
      expect(lines[i + 1], `line ${i + 1}: someone else entered while ${holder} held the lock`).toBe(`exit ${holder}`);
    }
    await rm(dir, { recursive: true, force: true });
  }, 120_000);

  it('mutex: reentrant for its holder, a timeout for the others', async () => {
    const a = new Mutex(await open(), '/recipes/m2');
    const b = new Mutex(await open(), '/recipes/m2');
    await a.acquire();
    await a.acquire();
    await expect(b.acquire(200)).rejects.toBeInstanceOf(LockTimeoutError);
    await a.release();
    expect(a.isHeld).toBe(true);
    await expect(b.acquire(200)).rejects.toBeInstanceOf(LockTimeoutError);
    await a.release();
    await b.acquire(10_000);
    expect(b.isHeld).toBe(true);
    await b.release();
  });

  it("leader election converges to one leader after the leader's session ends", async () => {
    const candidates = await Promise.all(
      ['a', 'b', 'c'].map(async (id) => {
        const zk = await open();
        const e = new LeaderElection(zk, '/recipes/election', id);
        await e.start();
        return { zk, e };
      }),
    );
    await waitFor('one leader', () => candidates.filter((c) => c.e.isLeader).length === 1);
    const first = candidates.find((c) => c.e.isLeader)!;
    expect(await first.e.leaderId()).toBe(first.e.id);
    await first.zk.close(); // its session (and node) go
    const rest = candidates.filter((c) => c !== first);
    await waitFor('a new leader', () => rest.filter((c) => c.e.isLeader).length === 1);
    const second = rest.find((c) => c.e.isLeader)!;
    expect(await second.e.leaderId()).toBe(second.e.id);
  });

  it("leader election across processes: one leader, and one again each time the leader's process is killed", async () => {
    const worker = fileURLToPath(new URL('./election-worker.mjs', import.meta.url));
    const candidates = ['p1', 'p2', 'p3'].map((id) => {
      const proc = spawn(process.execPath, [worker, `127.0.0.1:${server.port}`, id], { stdio: ['ignore', 'pipe', 'inherit'] });
      const c = { id, proc, leading: false, started: false, alive: true };
      proc.stdout.setEncoding('utf8');
      let buf = '';
      proc.stdout.on('data', (chunk: string) => {
        buf += chunk;
        for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          if (line === 'started') c.started = true;
          else c.leading = line === 'leader';
        }
      });
      proc.on('exit', () => (c.alive = false));
      return c;
    });
    const observer = new LeaderElection(await open(), '/recipes/election-procs'); // only reads
    try {
      await waitFor('every candidate to start', () => candidates.every((c) => c.started));
      for (let round = 0; round < 2; round++) {
        const alive = candidates.filter((c) => c.alive);
        await waitFor(`one leader among ${alive.length}`, async () => alive.filter((c) => c.leading).length === 1 && (await observer.leaderId()) === alive.find((c) => c.leading)!.id);
        const leader = alive.find((c) => c.leading)!;
        leader.proc.kill('SIGKILL'); // no close: the server must expire its session
        await waitFor('the leader to die', () => !leader.alive);
        const rest = alive.filter((c) => c !== leader);
        await waitFor('a new leader', async () => rest.filter((c) => c.leading).length === 1 && (await observer.leaderId()) === rest.find((c) => c.leading)!.id);
      }
    } finally {
      for (const c of candidates) c.proc.kill('SIGKILL');
    }
  }, 60_000);

  it('leader election: a leader cut off stops leading, and leads again if it is back within its session', async () => {
    const { proxy, port, zk } = await openBehindProxy(10_000);
    const e = new LeaderElection(zk, '/recipes/election-cut', 'cut');
    const changes: string[] = [];
    e.on('leader', () => changes.push('leader'));
    e.on('notLeader', () => changes.push('notLeader'));
    await e.start();
    const follower = new LeaderElection(await open(), '/recipes/election-cut', 'other');
    await follower.start();
    await waitFor('it to lead', () => e.isLeader);
    await proxy.cut();
    await waitFor('it to stop leading', () => !e.isLeader);
    await proxy.open(port);
    await waitFor('it to lead again', () => e.isLeader);
    expect(changes).toEqual(['leader', 'notLeader', 'leader']);
    expect(follower.isLeader).toBe(false);
    await e.close();
    await waitFor('the other candidate to lead', () => follower.isLeader);
    await follower.close();
    await proxy.cut();
  });

  it('read-write lock: readers together, writers alone, nobody starved', async () => {
    const holders = { readers: 0, writers: 0, maxReaders: 0 };
    const violations: string[] = [];
    const work = async (kind: 'read' | 'write', rounds: number) => {
      const lock = new ReadWriteLock(await open(), '/recipes/rw');
      const side = kind === 'read' ? lock.read : lock.write;
      for (let i = 0; i < rounds; i++) {
        await side.acquire(30_000);
        if (kind === 'read') holders.readers++;
        else holders.writers++;
        if (holders.writers > 1 || (holders.writers === 1 && holders.readers > 0)) violations.push(`${holders.writers} writers with ${holders.readers} readers`);
        holders.maxReaders = Math.max(holders.maxReaders, holders.readers);
        for (let k = 0; k < 3; k++) await (await open()).exists('/');
        if (kind === 'read') holders.readers--;
        else holders.writers--;
        await side.release();
      }
    };
    await Promise.all([work('read', 4), work('read', 4), work('read', 4), work('write', 3), work('write', 3)]);
    expect(violations).toEqual([]);
    expect(holders.maxReaders).toBeGreaterThan(1); // readers did share it
  }, 120_000);

  it('semaphore: at most `permits` holders', async () => {
    let inside = 0;
    let most = 0;
    await Promise.all(
      [1, 2, 3, 4, 5].map(async () => {
        const sem = new Semaphore(await open(), '/recipes/sem', 2);
        for (let i = 0; i < 3; i++) {
          const release = await sem.acquire(30_000);
          most = Math.max(most, ++inside);
          await (await open()).exists('/');
          inside--;
          await release();
        }
      }),
    );
    expect(most).toBe(2);
  }, 120_000);

  it('queue: each item exactly once, in order, across consumers; priorities first', async () => {
    const producer = new DistributedQueue(await open(), '/recipes/q');
    for (let i = 0; i < 60; i++) await producer.put(String(i));
    const taken: number[][] = [];
    await Promise.all(
      [0, 1, 2, 3].map(async (k) => {
        const q = new DistributedQueue(await open(), '/recipes/q');
        const mine: number[] = [];
        taken[k] = mine;
        for (let item = await q.poll(); item; item = await q.poll()) mine.push(Number(item.toString()));
      }),
    );
    const all = taken.flat().sort((a, b) => a - b);
    expect(all).toEqual(Array.from({ length: 60 }, (_, i) => i));
    for (const mine of taken) expect(mine).toEqual([...mine].sort((a, b) => a - b));
    const pq = new DistributedQueue(await open(), '/recipes/pq', true);
    await pq.put('low', 5);
    await pq.put('high', 1);
    await pq.put('low2', 5);
    const waiting = new DistributedQueue(await open(), '/recipes/pq-empty').take(30_000);
    await new DistributedQueue(await open(), '/recipes/pq-empty').put('late');
    expect((await waiting).toString()).toBe('late');
    expect([(await pq.poll())!.toString(), (await pq.poll())!.toString(), (await pq.poll())!.toString()]).toEqual(['high', 'low', 'low2']);
  });

  it('queue: consumer processes take each item exactly once, each in order', async () => {
    const producer = new DistributedQueue(await open(), '/recipes/q-procs');
    for (let i = 0; i < 80; i++) await producer.put(String(i).padStart(2, '0')); // one after another: queue order is value order
    const worker = fileURLToPath(new URL('./queue-worker.mjs', import.meta.url));
    const outputs = await Promise.all(
      [1, 2, 3].map(
        () =>
          new Promise<string[]>((resolve, reject) => {
            const proc = spawn(process.execPath, [worker, `127.0.0.1:${server.port}`, '/recipes/q-procs'], { stdio: ['ignore', 'pipe', 'inherit'] });
            let out = '';
            proc.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
            proc.on('exit', (code) => (code === 0 ? resolve(out.split('\n').filter(Boolean)) : reject(new Error(`consumer exited ${code}`))));
          }),
      ),
    );
    const { children } = await (await open()).getChildren('/recipes/q-procs');
    expect(children).toEqual([]);
    expect(outputs.flat().sort()).toEqual(Array.from({ length: 80 }, (_, i) => String(i).padStart(2, '0')));
    expect(new Set(outputs.flat()).size).toBe(80);
    for (const taken of outputs) expect(taken).toEqual([...taken].sort()); // each consumer took them head first
  }, 60_000);

  it('shared counter: concurrent adds are never lost', async () => {
    await Promise.all(
      [1, 2, 3, 4].map(async () => {
        const c = new SharedCounter(await open(), '/recipes/counter');
        for (let i = 0; i < 10; i++) await c.add(1);
      }),
    );
    expect(await new SharedCounter(await open(), '/recipes/counter').get()).toBe(40);
  });

  it('barrier and double barrier', async () => {
    const b = new Barrier(await open(), '/recipes/barrier');
    await b.set();
    let passed = false;
    const waiting = new Barrier(await open(), '/recipes/barrier').waitOnBarrier().then(() => (passed = true));
    await (await open()).exists('/'); // a round trip: the waiter is still blocked
    expect(passed).toBe(false);
    await b.remove();
    await waiting;
    const members = await Promise.all([1, 2, 3].map(async (i) => new DoubleBarrier(await open(), '/recipes/dbl', 3, `m${i}`)));
    const entered: string[] = [];
    await Promise.all(members.map((m) => m.enter().then(() => entered.push(m.memberId))));
    expect(entered.sort()).toEqual(['m1', 'm2', 'm3']);
    await Promise.all(members.map((m) => m.leave()));
  });

  it('node cache, tree cache and service discovery follow changes', async () => {
    const writer = await open();
    await writer.create('/recipes/config', 'v1');
    const cache = new NodeCache(await open(), '/recipes/config');
    await cache.start();
    expect(cache.data?.toString()).toBe('v1');
    await writer.setData('/recipes/config', 'v2');
    await waitFor('the node cache to see v2', () => cache.data?.toString() === 'v2');
    const tree = new TreeCache(await open(), '/recipes/config');
    await tree.start();
    await writer.create('/recipes/config/a', 'x');
    await waitFor('the tree cache to see /a', () => tree.nodes.get('/recipes/config/a')?.toString() === 'x');
    await writer.delete('/recipes/config/a');
    await waitFor('the tree cache to drop /a', () => !tree.nodes.has('/recipes/config/a'));

    const provider = await open();
    const sd = new ServiceDiscovery(provider);
    await sd.register('api', { id: 'i1', address: '10.0.0.1', port: 80 });
    const seen = new ServiceDiscovery(await open());
    expect((await seen.watch('api')).map((i) => i.id)).toEqual(['i1']);
    await new ServiceDiscovery(await open()).register('api', { id: 'i2', address: '10.0.0.2', port: 80 });
    await waitFor('both instances', () => seen.instances.length === 2);
    await provider.close(); // its ephemeral registration goes with the session
    await waitFor('i1 to go', () => seen.instances.map((i) => i.id).join() === 'i2');
  });

  it('tree cache and service discovery catch up on what changed while the connection was down', async () => {
    const writer = await open();
    await ensurePath(writer, '/recipes');
    await writer.create('/recipes/away', 'v1');
    await writer.create('/recipes/away/gone', 'x');
    const { proxy, port, zk: away } = await openBehindProxy(10_000);
    const tree = new TreeCache(away, '/recipes/away');
    await tree.start();
    const sd = new ServiceDiscovery(away);
    expect(await sd.watch('away-api')).toEqual([]);
    await proxy.cut();
    await waitFor('the client to notice', () => away.state === 'disconnected');
    await writer.setData('/recipes/away', 'v2');
    await writer.delete('/recipes/away/gone');
    await writer.create('/recipes/away/new', 'y');
    await new ServiceDiscovery(writer).register('away-api', { id: 'i9', address: '10.0.0.9', port: 80 });
    await proxy.open(port);
    await waitFor('the tree cache to catch up', () => tree.nodes.get('/recipes/away')?.toString() === 'v2' && !tree.nodes.has('/recipes/away/gone') && tree.nodes.get('/recipes/away/new')?.toString() === 'y');
    await waitFor('discovery to see the instance registered meanwhile', () => sd.instances.map((i) => i.id).join() === 'i9');
    await away.close();
    await proxy.cut();
  });

  it('mutex: a waiter rides out a lost connection; a holder whose session expires hears it lost', async () => {
    const holder = new Mutex(await open(), '/recipes/m3');
    await holder.acquire();
    const { proxy, port, zk: waiterClient } = await openBehindProxy(4_000);
    const waiter = new Mutex(waiterClient, '/recipes/m3');
    const acquired = waiter.acquire(30_000);
    await waitFor('the waiter to queue', async () => (await (await open()).getChildren('/recipes/m3')).children.length === 2);
    await proxy.cut(); // connection lost, session kept
    await waitFor('the waiter to notice', () => waiterClient.state === 'disconnected');
    await proxy.open(port);
    await holder.release();
    await acquired;
    expect(waiter.isHeld).toBe(true);
    // Now it holds the lock and its session expires: it must hear that the lock is lost.
    let lost = false;
    waiter.on('lost', () => (lost = true));
    await proxy.cut();
    const other = new Mutex(await open(), '/recipes/m3');
    await other.acquire(30_000); // possible only once the expired session's node is gone
    await proxy.open(port);
    await waitFor('the old holder to hear it lost the lock', () => lost);
    expect(waiter.isHeld).toBe(false);
    await other.release();
    await proxy.cut();
  }, 60_000);
});
