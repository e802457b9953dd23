// The admin HTTP server and the Prometheus endpoint of a running ensemble: answers shaped
// like ZooKeeper's, figures that move with the load, valid exposition text on every member.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEnsemble, type Ensemble, type Member } from '../support/ensemble.js';
import { freePort } from '../support/launch.js';
import { parseExposition, type Exposition } from '../support/prometheus.js';
import { OPEN_ACL, RawClient } from '../support/raw-client.js';
import { waitFor } from '../support/wait.js';

/** A scrape may fail while a member restarts its endpoint: try again until the deadline. */
const SCRAPE_WAIT = { retryErrors: true };

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

/** /metrics of member `id`, checked as a scraper would (parseExposition throws on bad text). */
async function scrape(id: number): Promise<Exposition> {
  return parseExposition(await (await fetch(`http://127.0.0.1:${metricsPort.get(id)}/metrics`)).text());
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
    // Data watches only, as ZooKeeper's summary counts them: one connection, two paths, three watches.
    const c = await RawClient.connect({ port: leader.clientPort });
    await c.create('/summary-a', null, OPEN_ACL, 0);
    await c.create('/summary-b', null, OPEN_ACL, 0);
    await c.getData('/summary-a', true);
    await c.getData('/summary-b', true);
    await c.getChildren('/summary-a', true);
    const c2 = await RawClient.connect({ port: leader.clientPort });
    await c2.getData('/summary-a', true);
    expect((await admin(leader.id, 'watch_summary')).body).toMatchObject({ num_connections: 2, num_paths: 2, num_total_watches: 3 });
    c.destroy();
    c2.destroy();
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

  it('counts proposals, commits, fsyncs and elections, and shows followers catching up', async () => {
    const followers = ens.members.filter((m) => m.id !== leader.id);
    const before = new Map<number, Exposition>();
    for (const m of ens.members) before.set(m.id, await scrape(m.id));
    const c = await RawClient.connect({ port: leader.clientPort });
    for (let i = 0; i < 25; i++) expect((await c.create(`/replicated-${i}`, null)).err).toBe(0);
    await c.close();

    const lead = await scrape(leader.id);
    const grew = (e: Exposition, name: string) => e.value(name) - before.get(leader.id)!.value(name);
    expect(grew(lead, 'zab_proposals_total')).toBeGreaterThanOrEqual(25);
    expect(grew(lead, 'zab_commits_total')).toBeGreaterThanOrEqual(25);
    expect(grew(lead, 'zab_acks_received_total')).toBeGreaterThan(0);
    expect(grew(lead, 'zab_fsync_time_ms_count')).toBeGreaterThan(0);
    expect(lead.types.get('zab_fsync_time_ms')).toBe('histogram');
    // A follower applies the commits a moment after the leader answered the client.
    for (const f of followers) {
      const was = before.get(f.id)!.value('zab_commits_total');
      await waitFor(`member ${f.id} to apply the 25 creates`, async () => (await scrape(f.id)).value('zab_commits_total') - was >= 25, SCRAPE_WAIT);
      const proposed = (await scrape(f.id)).value('zab_proposals_total') - before.get(f.id)!.value('zab_proposals_total');
      expect(proposed, `member ${f.id} proposed`).toBe(0); // a follower forwards writes, never proposes them
    }

    for (const m of ens.members) {
      const e = await scrape(m.id);
      expect(e.value('zab_elections_total'), `member ${m.id}`).toBeGreaterThanOrEqual(1);
      expect(e.value('zab_last_election_time_ms'), `member ${m.id}`).toBeGreaterThan(0);
      if (m.id !== leader.id) expect(e.series('zab_learner_lag_txns'), `member ${m.id} is no leader`).toEqual([]);
    }

    const sids = (e: Exposition, name: string) => e.series(name).map((x) => Number(x.labels['sid'])).sort();
    expect(sids(lead, 'zab_learner_lag_txns')).toEqual(followers.map((f) => f.id).sort());
    expect(sids(lead, 'zab_learner_lag_ms')).toEqual(followers.map((f) => f.id).sort());
    // Once every follower acked the last proposal, the leader sees no lag, in txns or in time.
    const settled = await waitFor('every follower to ack the last proposal', async () => {
      const e = await scrape(leader.id);
      const lag = e.series('zab_learner_lag_txns');
      return lag.length === followers.length && lag.every((x) => x.value === 0) ? e : undefined;
    }, SCRAPE_WAIT);
    for (const f of followers) expect(settled.value('zab_learner_lag_ms', { sid: String(f.id) })).toBe(0);
  });
});
