// Moving a running 3-member ZooKeeper 3.8 ensemble to zab member by member, with clients
// writing throughout (README "Migrating a running ensemble"): ZooKeeper member 3 is stopped
// and imported while 1 and 2 keep serving; then member 2 is stopped, imported, and zab
// members 2 and 3 start on the same ports and form the quorum; then member 1. Writes stop
// only while ZooKeeper has lost its quorum and zab has not yet formed one. Every
// acknowledged write must be on every zab member afterwards. The longest gap between
// acknowledged writes is printed (it is a measurement, not an assertion).
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startEnsemble, type Ensemble, type Member } from '../support/ensemble.js';
import { Workload, expectConsistent } from '../ensemble/workload.js';
import { fillZooKeeper } from './fill.js';
import { readCfg, runZab, startServerProcess, waitServing, writeCfg, type ServerProcess } from './processes.js';

/** Samples how many writes were acknowledged, to find the longest time without one. */
class GapMeter {
  private last = 0;
  private lastChangeMs = performance.now();
  longestMs = 0;
  private timer: NodeJS.Timeout;
  constructor(private readonly acked: () => number) {
    this.timer = setInterval(() => this.sample(), 5);
  }
  private sample(): void {
    const now = performance.now();
    const n = this.acked();
    if (n !== this.last) {
      this.longestMs = Math.max(this.longestMs, now - this.lastChangeMs);
      this.last = n;
      this.lastChangeMs = now;
    }
  }
  stop(): void {
    clearInterval(this.timer);
  }
}

describe('a running ZooKeeper 3.8 ensemble moved to zab member by member', () => {
  let zk: Ensemble | undefined;
  let work: Workload | undefined;
  const zab: ServerProcess[] = [];
  let dir = '';
  afterAll(async () => {
    await work?.stop();
    await Promise.all(zab.map((p) => p.stop('SIGKILL')));
    await zk?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('keeps every acknowledged write, with one short window without writes', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'zab-rolling-'));
    zk = await startEnsemble('zookeeper', { javaProps: { 'zookeeper.snapCount': '1000', 'znode.container.checkIntervalMs': '3600000' } });
    const ports = zk.members.map((m) => m.clientPort);
    const filled = await fillZooKeeper(ports, 10_000);
    for (const s of filled.sessions) await s.close();

    // The clients see one ensemble on three ports, whichever server answers there.
    const onPorts = { members: zk.members.map((m) => ({ id: m.id, clientPort: m.clientPort, running: true }) as unknown as Member) } as Ensemble;
    work = new Workload(onPorts);
    await work.start(3);
    await work.progress(50);
    const meter = new GapMeter(() => work!.acked.size);

    const zabCfg = async (m: Member): Promise<string> => {
      const cfg = await readCfg(path.join(path.dirname(m.dataDir), 'zoo.cfg'));
      const home = path.join(dir, `zab-${m.id}`);
      await mkdir(home, { recursive: true });
      cfg.set('dataDir', path.join(home, 'data'));
      await writeCfg(path.join(home, 'zoo.cfg'), cfg);
      return path.join(home, 'zoo.cfg');
    };
    const move = async (m: Member): Promise<{ cfg: string; importMs: number }> => {
      await m.kill('SIGTERM');
      const cfg = await zabCfg(m);
      const started = performance.now();
      const r = await runZab(['import', '--from-zookeeper', m.dataDir, '--config', cfg]);
      expect(r.code, r.stderr).toBe(0);
      return { cfg, importMs: performance.now() - started };
    };
    const start = (cfg: string) => zab.push(startServerProcess('zab', cfg, path.join(path.dirname(cfg), 'server.log')));
    const [m1, m2, m3] = zk.members as [Member, Member, Member];

    // 3: ZooKeeper 1 and 2 still hold a quorum; zab 3 waits, imported, not started.
    const third = await move(m3);
    await work.progress(50);

    // 2: ZooKeeper loses its quorum here; zab 2 and 3 form one.
    const windowStart = performance.now();
    const second = await move(m2);
    start(third.cfg);
    start(second.cfg);
    await waitServing([m2.clientPort, m3.clientPort]);
    const windowMs = performance.now() - windowStart;
    await work.progress(50);

    // 1: the last ZooKeeper member, not serving since 2 stopped, becomes zab 1.
    const first = await move(m1);
    start(first.cfg);
    await waitServing(ports);
    await work.progress(50);
    meter.stop();
    await work.stop();
    await expectConsistent(onPorts, work.acked);
    console.log(
      `rolling migration of ${filled.writes} ZooKeeper writes plus the load: import of member 2 ${second.importMs.toFixed(0)} ms; ` +
        `ZooKeeper 2 stopped to zab 2+3 serving ${windowMs.toFixed(0)} ms; longest gap between acknowledged writes ${meter.longestMs.toFixed(0)} ms; ` +
        `${work.acked.size} writes acknowledged, ${work.lost} lost in flight (never acknowledged)`,
    );
  }, 600_000);
});
