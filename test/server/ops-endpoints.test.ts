// The admin HTTP server and the Prometheus endpoint of a running ensemble: answers shaped
// like ZooKeeper's, figures that move with the load.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEnsemble, type Ensemble, type Member } from '../support/ensemble.js';
import { freePort } from '../support/launch.js';
import { RawClient } from '../support/raw-client.js';

let ens: Ensemble;
let leader: Member;
const adminPort = new Map<number, number>();
const metricsPort = new Map<number, number>();

beforeAll(async () => {
  for (const id of [1, 2, 3]) {
    adminPort.set(id, await freePort());
    metricsPort.set(id, await freePort());
  }
  ens = await startEnsemble('zab', {
    memberCfg: (id) => ({
      'admin.enableServer': 'true',
      'admin.serverAddress': '127.0.0.1',
      'admin.serverPort': String(adminPort.get(id)),
      'metricsProvider.className': 'org.apache.zookeeper.metrics.prometheus.PrometheusMetricsProvider',
      'metricsProvider.httpPort': String(metricsPort.get(id)),
      'metricsProvider.httpHost': '127.0.0.1',
    }),
  });
  leader = await ens.waitServing();
}, 120_000);

afterAll(async () => {
  await ens?.stop();
});

async function admin(id: number, command: string): Promise<any> {
  const res = await fetch(`http://127.0.0.1:${adminPort.get(id)}/commands/${command}`);
  return { status: res.status, body: await res.json() };
}

async function metric(id: number, name: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${metricsPort.get(id)}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
  if (!line) throw new Error(`no ${name} in /metrics:\n${text}`);
  return Number(line.slice(line.lastIndexOf(' ') + 1));
}

describe('admin server and metrics', () => {
  it('answers commands as ZooKeeper does, and refuses unknown ones', async () => {
    expect((await admin(leader.id, 'ruok')).body).toEqual({ command: 'ruok', error: null });
    const srvr = (await admin(leader.id, 'srvr')).body;
    expect(srvr).toMatchObject({ command: 'server_stats', error: null, server_stats: { server_state: 'leader' } });
    expect((await admin(leader.id, 'leader')).body).toMatchObject({ is_leader: true, leader_id: leader.id });
    expect(Object.keys((await admin(leader.id, 'voting_view')).body.current_config)).toEqual(['1', '2', '3']);
    const list = await (await fetch(`http://127.0.0.1:${adminPort.get(1)}/commands`)).json();
    expect(list.commands).toContain('monitor');
    const unknown = await admin(1, 'nosuch');
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toMatch(/Unknown command/);
  });

  it('figures move with the load', async () => {
    const before = await metric(leader.id, 'zab_znode_count');
    const sentBefore = await metric(leader.id, 'zab_packets_sent_total');
    const c = await RawClient.connect({ port: leader.clientPort });
    for (let i = 0; i < 25; i++) expect((await c.create(`/metrics-${i}`, null)).err).toBe(0);
    await c.close();
    expect(await metric(leader.id, 'zab_znode_count')).toBe(before + 25);
    expect(await metric(leader.id, 'zab_packets_sent_total')).toBeGreaterThan(sentBefore + 25);
    expect(await metric(leader.id, 'zab_request_latency_ms_count{op="create"}')).toBeGreaterThanOrEqual(25);
    expect(await metric(leader.id, 'zab_synced_followers')).toBe(2);
    expect(await metric(leader.id, 'zab_quorum_size')).toBe(2);
    expect(await metric(leader.id, 'zab_peer_state{state="leading"}')).toBe(1);
    const monitor = (await admin(leader.id, 'monitor')).body;
    expect(monitor.znode_count).toBe(before + 25);
  });
});
