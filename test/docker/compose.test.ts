// The compose files as an operator runs them: docker/compose-3.yml and docker/compose-5.yml on
// the image built from docker/Dockerfile, with node-zookeeper-client writing through the
// published client ports while containers are killed, stopped, restarted, taken down and up.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ComposeProject, buildImage, run, CONTAINER_WAIT } from '../support/docker.js';
import { waitFor } from '../support/wait.js';
import { freePort } from '../support/launch.js';
import { call, childrenOf, connectNzc, createAll, type NzcClient } from '../support/nzc.js';

const hostsOf = (ports: number[]) => ports.map((p) => `127.0.0.1:${p}`).join(',');
const range = (n: number, f: (i: number) => string) => Array.from({ length: n }, (_, i) => f(i));

async function newProject(size: 3 | 5): Promise<ComposeProject> {
  const ports: number[] = [];
  for (let i = 0; i < size; i++) ports.push(await freePort());
  return new ComposeProject(`docker/compose-${size}.yml`, `zabtest${size}-${process.pid}`, ports);
}

/** Every path in `expected` is on the member behind `port`, each holding its own path as data. */
async function expectAllOn(port: number, parent: string, expected: string[]): Promise<void> {
  const c = await connectNzc(`127.0.0.1:${port}`);
  try {
    const names = new Set(expected.map((p) => p.slice(parent.length + 1)));
    // A follower may apply the last commits a moment after the leader answered the writer.
    const children = await waitFor(`${expected.length} children of ${parent} on port ${port}`, async () => {
      const got = await childrenOf(c, parent);
      return [...names].every((n) => got.includes(n)) ? got : undefined;
    }, CONTAINER_WAIT);
    expect(children.length).toBeGreaterThanOrEqual(expected.length);
    for (const p of expected.filter((_, i) => i % 25 === 0)) {
      const [data] = await call<[Buffer, any]>((cb) => c.getData(p, cb));
      expect(data.toString()).toBe(p);
    }
  } finally {
    c.close();
  }
}

beforeAll(async () => {
  await buildImage();
}, 600_000);

describe('docker/compose-3.yml', () => {
  let project: ComposeProject;
  const clients: NzcClient[] = [];
  const acked: string[] = [];

  beforeAll(async () => {
    project = await newProject(3);
    await project.compose('up', '-d');
  }, 300_000);

  afterAll(async () => {
    for (const c of clients) c.close();
    await project?.compose('down', '-v', '--timeout', '10').catch(() => undefined);
  }, 120_000);

  it('comes up healthy with one leader, and takes 1,000 znodes written through all three members', async () => {
    await project.waitServing([1, 2, 3]).catch(async (e) => {
      throw new Error(`${e.message}\n${await project.logs()}`);
    });
    const [c1, c2, c3] = await Promise.all(project.clientPorts.map((p) => connectNzc(`127.0.0.1:${p}`)));
    clients.push(c1, c2, c3);
    await call((cb) => c1.create('/docker', null, cb));
    const deadline = Date.now() + 120_000;
    const batches = await Promise.all(
      [c1, c2, c3].map((c, m) => createAll(c, range(m === 0 ? 334 : 333, (i) => `/docker/m${m + 1}-${i}`), deadline)),
    );
    for (const b of batches) acked.push(...b);
    expect(acked.length).toBe(1000);
  }, 300_000);

  it('keeps taking writes through the others when the leader is killed; the leader restarts and catches up', async () => {
    const modes = await project.waitServing([1, 2, 3]);
    const leader = [...modes].find(([, m]) => m === 'leader')![0];
    const others = [1, 2, 3].filter((n) => n !== leader);
    clients[leader - 1].close();
    await run('docker', ['kill', await project.container(leader)]);

    const deadline = Date.now() + 120_000;
    const during = await Promise.all(others.map((n) => createAll(clients[n - 1], range(200, (i) => `/docker/after-kill-${n}-${i}`), deadline)));
    for (const b of during) acked.push(...b);
    expect(during.flat().length).toBe(400);
    const survivors = await project.waitServing(others);
    expect([...survivors.values()].filter((m) => m === 'leader')).toHaveLength(1);

    // `docker kill` counts as a manual stop, so the restart policy leaves it down: start it.
    await project.compose('start', `zab${leader}`);
    await project.waitServing([1, 2, 3]);
    for (const port of project.clientPorts) await expectAllOn(port, '/docker', acked);
  }, 300_000);

  it('keeps the data across docker-compose down and up', async () => {
    for (const c of clients.splice(0)) c.close();
    await project.compose('down', '--timeout', '10');
    expect((await project.compose('ps', '-q')).stdout.trim()).toBe('');
    await project.compose('up', '-d');
    await project.waitServing([1, 2, 3]);
    for (const port of project.clientPorts) await expectAllOn(port, '/docker', acked);
  }, 300_000);
});

describe('docker/compose-5.yml', () => {
  let project: ComposeProject;

  beforeAll(async () => {
    project = await newProject(5);
    await project.compose('up', '-d');
  }, 300_000);

  afterAll(async () => {
    await project?.compose('down', '-v', '--timeout', '10').catch(() => undefined);
  }, 120_000);

  it('serves reads and writes with two of five containers stopped (the leader among them)', async () => {
    const modes = await project.waitServing([1, 2, 3, 4, 5]).catch(async (e) => {
      throw new Error(`${e.message}\n${await project.logs()}`);
    });
    const all = project.clientPorts;
    const c = await connectNzc(hostsOf(all));
    const before = await createAll(c, ['/five', ...range(100, (i) => `/five/before-${i}`)], Date.now() + 60_000).finally(() => c.close());

    const leader = [...modes].find(([, m]) => m === 'leader')![0];
    const follower = [1, 2, 3, 4, 5].find((n) => n !== leader)!;
    await project.compose('stop', '--timeout', '10', `zab${leader}`, `zab${follower}`);
    const alive = [1, 2, 3, 4, 5].filter((n) => n !== leader && n !== follower);
    await project.waitServing(alive);

    const c2 = await connectNzc(hostsOf(alive.map((n) => all[n - 1])));
    const after = await createAll(c2, range(100, (i) => `/five/after-${i}`), Date.now() + 120_000).finally(() => c2.close());
    expect(after).toHaveLength(100);
    for (const n of alive) await expectAllOn(all[n - 1], '/five', [...before.slice(1), ...after]);
  }, 300_000);
});
