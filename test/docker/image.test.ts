// The image itself, run with testcontainers: healthy by its own HEALTHCHECK, unprivileged,
// configured from ZOO_* variables or a mounted zoo.cfg, stopped cleanly by SIGTERM without
// losing acknowledged writes, and refusing a bad configuration with a message that says why.
import { GenericContainer, Wait, type StartedTestContainer } from 'testcontainers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_IMAGE, buildImage, run, CONTAINER_WAIT } from '../support/docker.js';
import { waitFor } from '../support/wait.js';
import { fourLetter } from '../support/launch.js';
import { call, connectNzc } from '../support/nzc.js';

const started: StartedTestContainer[] = [];
const leftovers: string[] = [];

beforeAll(async () => {
  // The reaper container testcontainers would start cannot be pulled on machines without a registry.
  process.env.TESTCONTAINERS_RYUK_DISABLED = 'true';
  await buildImage();
}, 600_000);

afterAll(async () => {
  for (const c of started) await c.stop({ timeout: 5_000 }).catch(() => undefined);
  for (const id of leftovers) await run('docker', ['rm', '-f', '-v', id], { allowFail: true });
}, 120_000);

async function startZab(env: Record<string, string> = {}, files: { content: string; target: string }[] = []): Promise<StartedTestContainer> {
  const c = await new GenericContainer(TEST_IMAGE)
    .withEnvironment(env)
    .withCopyContentToContainer(files)
    .withExposedPorts(2181, 8080)
    .withWaitStrategy(Wait.forHealthCheck())
    .withStartupTimeout(60_000)
    .start();
  started.push(c);
  return c;
}

async function inspect(id: string, format: string): Promise<string> {
  return (await run('docker', ['inspect', '-f', format, id])).stdout.trim();
}

describe('zab image', () => {
  it('becomes healthy, runs as an unprivileged user, and serves a real client', async () => {
    const c = await startZab();
    expect((await c.exec(['id', '-u'])).output.trim()).toBe('1000');
    // The admin bins ship in the image: zkcli for the shell, zab for import and export.
    for (const bin of ['zkcli', 'zab']) expect((await c.exec([bin, '--help'])).exitCode).toBe(0);
    const port = c.getMappedPort(2181);
    expect(await fourLetter(port, 'ruok')).toBe('imok');
    expect(await fourLetter(port, 'srvr')).toMatch(/Mode: standalone/);
    const admin = await (await fetch(`http://127.0.0.1:${c.getMappedPort(8080)}/commands/ruok`)).json();
    expect(admin).toEqual({ command: 'ruok', error: null });
    const z = await connectNzc(`127.0.0.1:${port}`);
    expect(await call((cb) => z.create('/hello', Buffer.from('docker'), cb))).toBe('/hello');
    z.close();
  }, 120_000);

  it('stops cleanly on SIGTERM, and keeps every acknowledged write when started again', async () => {
    const c = await startZab({ ZOO_TICK_TIME: '500' });
    const z = await connectNzc(`127.0.0.1:${c.getMappedPort(2181)}`);
    const paths = Array.from({ length: 200 }, (_, i) => `/kept-${i}`);
    await Promise.all(paths.map((p) => call((cb) => z.create(p, Buffer.from(p), cb))));
    z.close();
    const id = c.getId();
    leftovers.push(id);
    started.splice(started.indexOf(c), 1);
    await c.stop({ remove: false, timeout: 30_000 });
    expect(await inspect(id, '{{.State.ExitCode}}')).toBe('0');
    const logs = (await run('docker', ['logs', id])).stdout;
    expect(logs).toMatch(/"signal":"SIGTERM".*shutting down/);

    await run('docker', ['start', id]);
    const port = Number((await run('docker', ['port', id, '2181/tcp'])).stdout.trim().split('\n')[0].split(':').pop());
    await waitFor('the restarted container to be healthy', async () => (await inspect(id, '{{.State.Health.Status}}')) === 'healthy', CONTAINER_WAIT);
    const z2 = await connectNzc(`127.0.0.1:${port}`);
    const [children] = await call<[string[]]>((cb) => z2.getChildren('/', cb));
    expect(paths.every((p) => children.includes(p.slice(1)))).toBe(true);
    z2.close();
  }, 180_000);

  it('uses a zoo.cfg mounted at /conf/zoo.cfg instead of the environment', async () => {
    const cfg = ['tickTime=1000', 'dataDir=/data', 'dataLogDir=/datalog', 'clientPort=2181', 'maxClientCnxns=7', '4lw.commands.whitelist=*', ''].join('\n');
    const c = await startZab({ ZOO_MAX_CLIENT_CNXNS: '99' }, [{ content: cfg, target: '/conf/zoo.cfg' }]);
    const conf = await fourLetter(c.getMappedPort(2181), 'conf');
    expect(conf).toMatch(/maxClientCnxns=7/);
    expect(conf).toMatch(/tickTime=1000/);
  }, 120_000);

  it('exits with a clear message when the configuration is bad', async () => {
    const c = await new GenericContainer(TEST_IMAGE)
      .withEnvironment({ ZOO_TICK_TIME: 'soon', ZOO_MY_ID: '1' })
      .withWaitStrategy(Wait.forLogMessage(/was written from the environment/))
      .withStartupTimeout(60_000)
      .start();
    const id = c.getId();
    leftovers.push(id);
    await waitFor('the container to exit', async () => (await inspect(id, '{{.State.Status}}')) === 'exited', CONTAINER_WAIT);
    expect(await inspect(id, '{{.State.ExitCode}}')).toBe('2');
    const { stderr } = await run('docker', ['logs', id]);
    expect(stderr).toContain('zkserver: /conf/zoo.cfg:4: tickTime must be an integer, got "soon"');
    expect(stderr).toMatch(/4 {2}tickTime=soon {4}\(ZOO_TICK_TIME\)/);
  }, 120_000);
});
