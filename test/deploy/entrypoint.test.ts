import { describe, expect, it } from 'vitest';
import { waitFor } from '../support/wait.js';
// @ts-expect-error: a plain ES module without types (it runs in the container as is)
import { joinedCfgLines, myIdFromHostname, statefulSetServer, statefulSetServers, zooCfgFromEnv } from '../../docker/entrypoint.mjs';
// @ts-expect-error: as above
import { clientAddressOf, parseConfigData, serversById, startServers, superDigest } from '../../docker/membership.mjs';
import { parseZooCfg } from '../../packages/server/src/config.js';
import { digestId } from '../support/launch.js';

describe('container entrypoint', () => {
  it('derives myid from a StatefulSet pod name', () => {
    expect(myIdFromHostname('zab-0')).toBe(1);
    expect(myIdFromHostname('zab-2')).toBe(3);
    expect(myIdFromHostname('my-zab-12')).toBe(13);
    expect(() => myIdFromHostname('zab')).toThrow(/ordinal/);
  });

  it('lists the servers of a StatefulSet by their DNS names', () => {
    expect(statefulSetServers({ replicas: 3, set: 'zab', service: 'zab-headless', namespace: 'prod' })).toBe(
      'server.1=zab-0.zab-headless.prod.svc.cluster.local:2888:3888;2181 ' +
        'server.2=zab-1.zab-headless.prod.svc.cluster.local:2888:3888;2181 ' +
        'server.3=zab-2.zab-headless.prod.svc.cluster.local:2888:3888;2181',
    );
  });

  it('writes a zoo.cfg zkserver accepts, from ZOO_* variables', () => {
    const text = zooCfgFromEnv({
      ZOO_TICK_TIME: '1000',
      ZOO_SERVERS: 'server.1=zab1:2888:3888;2181 server.2=zab2:2888:3888;2181 server.3=zab3:2888:3888;2181',
      ZOO_4LW_COMMANDS_WHITELIST: '*',
      ZOO_METRICS_PROVIDER_HTTP_PORT: '7000',
      ZOO_CFG_EXTRA: 'snapCount=5000',
    });
    const { config } = parseZooCfg(text);
    expect(config.tickTimeMs).toBe(1000);
    expect(config.servers.map((s) => `${s.id}:${s.host}:${s.clientPort}`)).toEqual(['1:zab1:2181', '2:zab2:2181', '3:zab3:2181']);
    expect(config.fourLetterWordWhitelist).toBe('*');
    expect(config.metricsHttpPort).toBe(7000);
    expect(config.snapCount).toBe(5000);
    expect(config.dataDir).toBe('/data');
  });

  it('names a scaled-up pod beyond the founding members by its DNS name', () => {
    expect(statefulSetServer(4, { set: 'zab', service: 'zab-headless', namespace: 'prod' })).toBe('server.5=zab-4.zab-headless.prod.svc.cluster.local:2888:3888;2181');
  });

  it('sets the super digest from ZAB_SUPER_PASSWORD, and reconfigEnabled with ZAB_JOIN', () => {
    const { config } = parseZooCfg(zooCfgFromEnv({ ZAB_SUPER_PASSWORD: 'pw', ZAB_JOIN: 'true' }));
    expect(config.reconfigEnabled).toBe(true);
    expect(superDigest('pw')).toBe(digestId('super', 'pw'));
    expect(zooCfgFromEnv({ ZAB_SUPER_PASSWORD: 'pw' })).toContain(`DigestAuthenticationProvider.superDigest=${digestId('super', 'pw')}\n`);
    expect(zooCfgFromEnv({})).not.toMatch(/superDigest|reconfigEnabled/);
  });

  it('refuses a malformed ZOO_SERVERS, naming it', () => {
    expect(() => zooCfgFromEnv({ ZOO_SERVERS: 'zab1:2888:3888' })).toThrow(/ZOO_SERVERS: "zab1:2888:3888"/);
  });
});

describe('joining a running ensemble (ZAB_JOIN)', () => {
  const live = parseConfigData(
    ['server.1=zab1:2888:3888:participant;0.0.0.0:2181', 'server.2=zab2:2888:3888:participant;0.0.0.0:2181', 'server.3=zab3:2888:3888:participant;0.0.0.0:2181', 'version=200000003'].join('\n'),
  );
  const founding = serversById('server.1=zab1:2888:3888;2181 server.2=zab2:2888:3888;2181 server.3=zab3:2888:3888;2181');

  it('reads /zookeeper/config, and reaches each member on its own host when the client address is a wildcard', () => {
    expect(live.version).toBe('200000003');
    expect([...live.servers.keys()]).toEqual([1, 2, 3]);
    expect(clientAddressOf('server.2=zab2:2888:3888:participant;0.0.0.0:2181')).toBe('zab2:2181');
    expect(clientAddressOf('server.2=zab2:2888:3888;2181')).toBe('zab2:2181');
    expect(clientAddressOf('server.2=zab2:2888:3888;10.0.0.2:2182')).toBe('10.0.0.2:2182');
    expect(clientAddressOf('server.2=[fe80::2]:2888:3888:observer;[::]:2181')).toBe('[fe80::2]:2181');
    expect(clientAddressOf('server.2=zab2:2888:3888')).toBeNull();
  });

  it('starts a new member from the live configuration plus itself, a listed one from the live lines alone', () => {
    const own = 'server.4=zab4:2888:3888;2181';
    expect(startServers({ myId: 4, ownLine: own, live, founding })).toEqual([...live.servers.values(), own]);
    expect(startServers({ myId: 2, ownLine: 'server.2=zab2:2888:3888;2181', live, founding })).toEqual([...live.servers.values()]);
  });

  it('creates the ensemble from ZOO_SERVERS when no member answers, unless ZOO_SERVERS leaves this member out', () => {
    expect(startServers({ myId: 1, ownLine: founding.get(1), live: null, founding })).toEqual([...founding.values()]);
    expect(startServers({ myId: 4, ownLine: 'server.4=zab4:2888:3888;2181', live: null, founding })).toBeNull();
  });

  it('restarts from the dynamic file it committed, with the environment\'s other settings', () => {
    const lines = joinedCfgLines({ ZOO_TICK_TIME: '1000', ZOO_SERVERS: 'server.1=zab1:2888:3888;2181' }, {
      myId: 2, dynamicFile: '/data/conf/zoo.cfg.dynamic.200000003', dynamic: [...live.servers.values()].join('\n'),
    }).map((l: { text: string }) => l.text);
    expect(lines).toContain('tickTime=1000');
    expect(lines).toContain('dynamicConfigFile=/data/conf/zoo.cfg.dynamic.200000003');
    expect(lines.filter((l: string) => /^(server\.|clientPort=)/.test(l))).toEqual([]);
  });
});

describe('the entrypoint as a process (what the container runs)', () => {
  const entry = new URL('../../docker/entrypoint.mjs', import.meta.url).pathname;
  const health = new URL('../../docker/healthcheck.mjs', import.meta.url).pathname;

  async function run(env: Record<string, string>) {
    const { spawn } = await import('node:child_process');
    const { mkdtempSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dir = mkdtempSync(join(tmpdir(), 'zab-entry-'));
    const full = { ...process.env, ZOO_CONF_DIR: join(dir, 'conf'), ZOO_DATA_DIR: join(dir, 'data'), ZOO_DATA_LOG_DIR: join(dir, 'datalog'), ZOO_ADMINSERVER_ENABLED: 'false', ...env };
    const child = spawn(process.execPath, [entry], { env: full, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    return { child, exited, output: () => out, env: full };
  }

  it('starts a server that passes the health check, and stops on SIGTERM', async () => {
    const { freePort } = await import('../support/launch.js');
    const port = String(await freePort());
    const { child, exited, output } = await run({ ZOO_PORT: port });
    const { spawnSync } = await import('node:child_process');
    const healthy = () => spawnSync(process.execPath, [health], { env: { ...process.env, ZOO_PORT: port } }).status === 0;
    await waitFor('the health check to pass', healthy, { deadlineMs: 30_000, pollMs: 100, explain: output });
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  }, 60_000);

  it('exits 2 with a message naming the bad setting', async () => {
    const { exited, output } = await run({ ZOO_TICK_TIME: 'soon' });
    expect(await exited).toBe(2);
    expect(output()).toMatch(/zoo.cfg:\d+: tickTime must be an integer, got "soon"/);
  }, 30_000);
});
