// Moving a running 3-member ZooKeeper 3.8 ensemble to zab member by member, and back, with
// clients writing throughout (README "Migrating a running ensemble"): ZooKeeper member 3 is
// stopped and imported while 1 and 2 keep serving; then member 2 is stopped, imported, and
// zab members 2 and 3 start on the same ports and form the quorum; then member 1. Back the
// same way with `zab export`. Writes stop only while the old side has lost its quorum and the
// new one has not yet formed one. Every acknowledged write must be on every member after
// each move. The window and the longest gap between acknowledged writes are printed (they
// are measurements, not assertions).
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startEnsemble, type Ensemble, type Member } from '../support/ensemble.js';
import { Workload, childrenOn, expectConsistent } from '../ensemble/workload.js';
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
  const started: ServerProcess[] = [];
  let dir = '';
  afterAll(async () => {
    await work?.stop();
    await Promise.all(started.map((p) => p.stop('SIGKILL')));
    await zk?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('keeps every acknowledged write, with one short window without writes, there and back', async () => {
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

    const cfgFor = async (m: Member, name: string): Promise<string> => {
      const cfg = await readCfg(path.join(path.dirname(m.dataDir), 'zoo.cfg'));
      const home = path.join(dir, `${name}-${m.id}`);
      await mkdir(home, { recursive: true });
      cfg.set('dataDir', path.join(home, 'data'));
      await writeCfg(path.join(home, 'zoo.cfg'), cfg);
      return path.join(home, 'zoo.cfg');
    };
    const zabCfgs = new Map<Member, string>();
    const servers = new Map<Member, ServerProcess>();
    /** Stops ZooKeeper member m and imports its data for zab member m; returns the phases' times. */
    const toZab = async (m: Member) => {
      const t0 = performance.now();
      await m.kill('SIGTERM');
      const t1 = performance.now();
      const cfg = await cfgFor(m, 'zab');
      zabCfgs.set(m, cfg);
      const r = await runZab(['import', '--from-zookeeper', m.dataDir, '--config', cfg]);
      expect(r.code, r.stderr).toBe(0);
      return { stopMs: t1 - t0, moveMs: performance.now() - t1 };
    };
    /** Stops zab member m and exports its data for a ZooKeeper member on the same ports. */
    const toZooKeeper = async (m: Member) => {
      const t0 = performance.now();
      await servers.get(m)!.stop('SIGTERM');
      const t1 = performance.now();
      const cfg = await cfgFor(m, 'zk-back');
      const r = await runZab(['export', '--to-zookeeper', (await readCfg(cfg)).get('dataDir')!, '--config', zabCfgs.get(m)!]);
      expect(r.code, r.stderr).toBe(0);
      zabCfgs.set(m, cfg);
      return { stopMs: t1 - t0, moveMs: performance.now() - t1 };
    };
    const start = (kind: 'zab' | 'zookeeper', m: Member) => {
      const cfg = zabCfgs.get(m)!;
      const p = startServerProcess(kind, cfg, path.join(path.dirname(cfg), 'server.log'));
      servers.set(m, p);
      started.push(p);
    };
    /** Moves the ensemble member by member; returns the window in which no side had a quorum. */
    const migrate = async (kind: 'zab' | 'zookeeper', move: (m: Member) => Promise<{ stopMs: number; moveMs: number }>) => {
      const [m1, m2, m3] = zk!.members as [Member, Member, Member];
      // 3: the old side's 1 and 2 still hold a quorum; the new 3 waits, moved, not started.
      await move(m3);
      await work!.progress(50);
      // 2: the old side loses its quorum here; the new 2 and 3 form one.
      const windowStart = performance.now();
      const second = await move(m2);
      start(kind, m3);
      start(kind, m2);
      const startedAt = performance.now();
      await waitServing([m2.clientPort, m3.clientPort]);
      const electMs = performance.now() - startedAt;
      const windowMs = performance.now() - windowStart;
      await work!.progress(50);
      // 1: the old side's last member, not serving since 2 stopped, joins the new side.
      await move(m1);
      start(kind, m1);
      await waitServing(ports);
      await work!.progress(50);
      return { ...second, electMs, windowMs };
    };

    const there = new GapMeter(() => work!.acked.size);
    const forth = await migrate('zab', toZab);
    there.stop();
    // Writes go on: every one acknowledged so far must be on every member (each syncs first).
    const ackedSoFar = [...work.acked];
    for (const m of onPorts.members) {
      const have = new Set(await childrenOn(m));
      expect(ackedSoFar.filter((p) => !have.has(p)), `zab member ${m.id} lacks acknowledged writes`).toEqual([]);
    }
    const back = new GapMeter(() => work!.acked.size);
    const backAgain = await migrate('zookeeper', toZooKeeper);
    back.stop();
    await work.stop();
    await expectConsistent(onPorts, work.acked);
    for (const [what, w, gap] of [['ZooKeeper -> zab', forth, there], ['zab -> ZooKeeper', backAgain, back]] as const) {
      console.log(
        `${what}: stopping member 2 ${w.stopMs.toFixed(0)} ms, moving its data ${w.moveMs.toFixed(0)} ms, the new members 2+3 serving after ${w.electMs.toFixed(0)} ms more; ` +
          `window without a quorum ${w.windowMs.toFixed(0)} ms; longest gap between acknowledged writes ${gap.longestMs.toFixed(0)} ms`,
      );
    }
    console.log(`${filled.writes} ZooKeeper writes before the move; ${work.acked.size} writes acknowledged during it, ${work.lost} lost in flight (never acknowledged)`);
  }, 600_000);
});
