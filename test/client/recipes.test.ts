// Recipes with many concurrent clients against a real zab server (separate processes where it matters).
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, LeaderElection, LockTimeoutError, Mutex, type ZooKeeperClient } from '@zab/client';
import { startServer, type RunningServer } from '../support/launch.js';

let server: RunningServer;
const clients: ZooKeeperClient[] = [];
async function open(): Promise<ZooKeeperClient> {
  const c = createClient(`127.0.0.1:${server.port}`, { sessionTimeoutMs: 10_000 });
  clients.push(c);
  await c.connected();
  return c;
}

async function until(what: string, cond: () => boolean | Promise<boolean>, deadlineMs = 20_000): Promise<void> {
  const end = Date.now() + deadlineMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20)); // poll interval
  }
}

beforeAll(async () => {
  server = await startServer('zab');
}, 60_000);
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await server?.stop();
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
    await until('one leader', () => candidates.filter((c) => c.e.isLeader).length === 1);
    const first = candidates.find((c) => c.e.isLeader)!;
    expect(await first.e.leaderId()).toBe(first.e.id);
    await first.zk.close(); // its session (and node) go
    const rest = candidates.filter((c) => c !== first);
    await until('a new leader', () => rest.filter((c) => c.e.isLeader).length === 1);
    const second = rest.find((c) => c.e.isLeader)!;
    expect(await second.e.leaderId()).toBe(second.e.id);
  });
});
