// Migration from a real Apache ZooKeeper 3.8 ensemble to zab and back (README "Migrating from
// and back to Apache ZooKeeper"): a 3-member ZooKeeper ensemble with snapshots and txns after
// the last one is filled with znodes of every kind, stopped, imported member by member with
// `zab import`, and the zab ensemble must serve the identical tree on every member: data,
// ACL, every Stat field, children. Then `zab export` per member, ZooKeeper 3.8 started on the
// result, and the same tree again, with no digest mismatch in ZooKeeper's own check.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startEnsemble, type Ensemble } from '../support/ensemble.js';
import { fillZooKeeper } from './fill.js';
import { mntr, readCfg, runZab, snapshotsUncounted, startServerProcess, waitServing, waitSnapshotsWritten, writeCfg, type ServerProcess } from './processes.js';
import { diffTrees, readTree, type NodeView } from '../support/tree-reader.js';

/** Long enough that no session moved with the data expires while the trees are read. */
const SESSION_TIMEOUT_MS = 120_000;

describe('ZooKeeper 3.8 ensemble -> zab -> ZooKeeper 3.8', () => {
  let zk: Ensemble | undefined;
  const processes: ServerProcess[] = [];
  let dir = '';

  afterAll(async () => {
    await Promise.all(processes.map((p) => p.stop('SIGKILL')));
    await zk?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('serves the identical tree after import, and again on ZooKeeper after export', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'zab-migrate-'));
    zk = await startEnsemble('zookeeper', {
      tickTimeMs: 2000,
      javaProps: { 'zookeeper.snapCount': '500', 'znode.container.checkIntervalMs': '3600000' },
      // The ephemerals must outlive the move (zab reads the same lines from the zoo.cfg it inherits).
      cfg: { 'znode.container.checkIntervalMs': '3600000', maxSessionTimeout: String(SESSION_TIMEOUT_MS) },
    });
    const uncounted = await Promise.all(zk.members.map((m) => snapshotsUncounted(m.clientPort, m.dataDir)));
    const filled = await fillZooKeeper(
      zk.members.map((m) => m.clientPort),
      SESSION_TIMEOUT_MS,
    );
    expect(filled.writes).toBeGreaterThan(3000);
    const leader = await zk.leader();
    const reference = await readTree(leader.clientPort);
    expect(reference.size).toBeGreaterThan(1500);

    // Stop ZooKeeper with its sessions open, so ephemerals and sessions travel too; once every
    // snapshot it began is whole (a stop while one is written leaves it cut).
    for (const [i, m] of zk.members.entries()) await waitSnapshotsWritten(m.clientPort, m.dataDir, uncounted[i]);
    await Promise.all(zk.members.map((m) => m.kill('SIGTERM')));
    for (const s of filled.sessions) s.destroy();

    // zab members on the same ports, each importing its own ZooKeeper member's data.
    const zabCfgs: string[] = [];
    for (const m of zk.members) {
      const cfg = await readCfg(path.join(path.dirname(m.dataDir), 'zoo.cfg'));
      const home = path.join(dir, `zab-${m.id}`);
      await mkdir(home, { recursive: true });
      cfg.set('dataDir', path.join(home, 'data'));
      const file = path.join(home, 'zoo.cfg');
      await writeCfg(file, cfg);
      zabCfgs.push(file);
      const r = await runZab(['import', '--from-zookeeper', m.dataDir, '--config', file]);
      expect(r.code, r.stderr).toBe(0);
      // A snapshot and txns after it, both checked against ZooKeeper's digests.
      expect(r.stdout).toMatch(/snapshot \S+snapshot\.[0-9a-f]+ \+ [1-9]\d* txns/);
      // The snapshot's recorded digest, or (when the snapshot holds a txn past the digest it
      // recorded, written while ZooKeeper applied it, which import reports) the first logged
      // txn digest after that txn.
      expect(r.stdout).toMatch(/digests checked: (snapshot snapshot\.[0-9a-f]+|the log record of txn 0x[0-9a-f]+) at 0x[0-9a-f]+; [1-9]\d* txn digests/);
      if (!/digests checked: snapshot/.test(r.stdout)) expect(r.stdout).toMatch(/the digest in snapshot \S+ is for 0x[0-9a-f]+, (before the snapshot|but the snapshot holds changes up to 0x[0-9a-f]+|but the tree there does not match it \(\d+, computed \d+\)); checking against the first logged digest from/);
      expect(r.stdout).toMatch(/epochs: acceptedEpoch [1-9]\d*, currentEpoch [1-9]\d*; myid copied/);
    }
    const ports = zk.members.map((m) => m.clientPort);
    for (const file of zabCfgs) processes.push(startServerProcess('zab', file, path.join(path.dirname(file), 'server.log')));
    await waitServing(ports);
    // ZooKeeper sets /zookeeper/config's mtime to its own clock each time a member starts
    // (ZKDatabase.initConfigInZKDatabase): the one field that is not data.
    const skip = (p: string, field: string) => p === '/zookeeper/config' && field === 'stat.mtime';
    for (const port of ports) expect(diffTrees(reference, await readTree(port), skip), `zab on port ${port}`).toEqual([]);
    await Promise.all(processes.splice(0).map((p) => p.stop('SIGTERM')));

    // Back: export every zab member and start ZooKeeper 3.8 on the results.
    const back: Map<string, NodeView>[] = [];
    for (const [i, file] of zabCfgs.entries()) {
      const cfg = await readCfg(file);
      const home = path.join(dir, `zk-back-${i + 1}`);
      cfg.set('dataDir', path.join(home, 'data'));
      await mkdir(home, { recursive: true });
      const r = await runZab(['export', '--to-zookeeper', cfg.get('dataDir')!, '--config', file]);
      expect(r.code, r.stderr).toBe(0);
      await writeCfg(path.join(home, 'zoo.cfg'), cfg);
      processes.push(startServerProcess('zookeeper', path.join(home, 'zoo.cfg'), path.join(home, 'server.log'), { 'znode.container.checkIntervalMs': '3600000' }));
    }
    await waitServing(ports);
    for (const port of ports) back.push(await readTree(port));
    for (const [i, tree] of back.entries()) expect(diffTrees(reference, tree, skip), `ZooKeeper member ${i + 1} after export`).toEqual([]);
    // ZooKeeper compared the digest of every exported snapshot with the tree it loaded.
    for (const port of ports) expect(await mntr(port, 'zk_digest_mismatches_count')).toBe('0');
  }, 600_000);
});
