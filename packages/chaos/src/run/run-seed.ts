import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { monotonicUs } from '../clock.js';
import { MemberDisks } from '../env/disks.js';
import { CLIENT_PORT, Member, type EnsembleTiming, type MemberSpec, type Target } from '../env/members.js';
import { NetworkFaults } from '../env/network-faults.js';
import { describeTopology } from '../env/topology.js';
import { analyse, type HealTime, type RunResult } from './analyse.js';
import { connectDriver, dumpUntilAgreed, memberHost, timeToServe } from './ensemble-view.js';
import { FaultInjector } from './faults.js';
import { emptyHistory } from './history.js';
import { SeededRandom } from './random.js';
import { makeSchedule, type Episode } from './schedule.js';
import { WorkerProcess, type ClientLib } from './worker-process.js';
import { PATHS, Workload } from './workload.js';
import { REGISTER_INIT } from '../checks/registers.js';

/** Everything the driver of one seed needs, passed from the process that set up the machine. */
export interface SeedConfig {
  runId: string;
  runDir: string;
  seed: number;
  seconds: number;
  members: number;
  target: Target;
  clients: number;
  disks: ReturnType<MemberDisks['describe']>;
  /** The process that made the disks (its /proc/<pid>/root reaches the host's cgroups). */
  creatorPid: number;
  timing: EnsembleTiming;
  sessionTimeoutMs: number;
  /** Every member must serve again within this long after the final heal. */
  livenessBoundMs: number;
}

interface ClientPlan {
  name: string;
  lib: ClientLib;
  role: 'register' | 'sequence' | 'lock' | 'owner' | 'watcher';
  /** A member id for the one-client-per-member workloads; all members otherwise. */
  member?: number;
  syncs: boolean;
}

/** Which clients a run has: the number is fixed by the member count (see clientCount). */
export function clientPlans(members: number): ClientPlan[] {
  const plans: ClientPlan[] = [
    { name: 'reg-kazoo-1', lib: 'kazoo', role: 'register', syncs: true },
    { name: 'reg-kazoo-2', lib: 'kazoo', role: 'register', syncs: true },
    { name: 'reg-nzc-1', lib: 'nzc', role: 'register', syncs: false },
    { name: 'reg-nzc-2', lib: 'nzc', role: 'register', syncs: false },
  ];
  // kazoo: it gives up on a silent member and keeps reconnecting to its only one, so it is
  // there when a stopped member continues (node-zookeeper-client waits on the old connection).
  for (let id = 1; id <= members; id++) plans.push({ name: `seq-m${id}`, lib: 'kazoo', role: 'sequence', member: id, syncs: false });
  for (let i = 1; i <= 3; i++) plans.push({ name: `lock-zab-${i}`, lib: 'zab', role: 'lock', syncs: false });
  plans.push({ name: 'own-kazoo', lib: 'kazoo', role: 'owner', syncs: false }, { name: 'own-nzc', lib: 'nzc', role: 'owner', syncs: false });
  plans.push({ name: 'watch-zab', lib: 'zab', role: 'watcher', syncs: false });
  return plans;
}

export const clientCount = (members: number) => clientPlans(members).length;

const say = (line: string) => console.log(line);
const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/**
 * Runs one seed from inside the clients' namespace: starts the members, the clients and the
 * fault schedule, heals, measures how long the members take to serve again, lets the history
 * settle, compares the members, crashes and restarts them all, reads their logs, and checks
 * everything. The caller owns the namespaces and disks and removes them afterwards.
 */
export async function runSeed(cfg: SeedConfig): Promise<RunResult> {
  const topo = describeTopology(cfg.runId, cfg.members, cfg.clients);
  const disks = new MemberDisks(cfg.runDir, cfg.runId, 0);
  disks.attach(cfg.disks, cfg.creatorPid);
  const net = new NetworkFaults(topo);
  await net.install();
  const logDir = path.join(cfg.runDir, 'logs');
  await mkdir(logDir, { recursive: true });
  const specs: MemberSpec[] = Array.from({ length: cfg.members }, (_, i) => ({
    id: i + 1,
    ns: topo.memberNs(i + 1),
    ip: topo.memberIp(i + 1),
    dataDir: disks.dataDir(i + 1),
    homeDir: path.join(cfg.runDir, `home-m${i + 1}`),
  }));
  const members = specs.map((s) => new Member(cfg.target, s, (pid) => disks.adopt(s.id, pid)));
  const history = emptyHistory();
  let nextOp = 1;
  const workers: WorkerProcess[] = [];
  const schedule = makeSchedule(cfg.seed, { seconds: cfg.seconds, syncLimitMs: cfg.timing.tickTimeMs * cfg.timing.syncLimitTicks, sessionTimeoutMs: cfg.sessionTimeoutMs });
  const notes: string[] = [`degraded links: ${await net.degradationMethod()}`, `slow disk: ${await disks.slowMethod()}`];
  try {
    for (const m of members) await m.configure(specs, cfg.timing);
    for (const m of members) await m.start();
    const started = await timeToServe(members, Date.now(), 120_000);
    if (started.ms === null) throw new Error(`the ensemble did not start serving (modes ${JSON.stringify(started.modes)})`);
    const allHosts = members.map(memberHost).join(',');
    // The driver's sessions are short: one left idle through the faults could expire.
    const setup = await connectDriver(allHosts);
    try {
      for (const p of ['/chaos', '/chaos/r', PATHS.sequenceParent, PATHS.lock]) await setup.create(p, '');
      for (const r of PATHS.registers) await setup.create(r, REGISTER_INIT);
    } finally {
      await setup.close().catch(() => undefined);
    }

    const plans = clientPlans(cfg.members);
    const cuttable = plans.map((p, k) => ({ name: p.name, ip: topo.clientIp(k) }));
    for (const [k, p] of plans.entries()) {
      history.roles.set(p.name, p.role);
      const hosts = p.member ? `${topo.memberIp(p.member)}:${CLIENT_PORT}` : allHosts;
      const w = new WorkerProcess({ name: p.name, lib: p.lib, hosts, localAddress: topo.clientIp(k), sessionTimeoutMs: cfg.sessionTimeoutMs, opTimeoutMs: cfg.sessionTimeoutMs + 2_000, logDir }, history, () => nextOp++);
      workers.push(w);
    }
    await Promise.all(workers.map((w) => w.start()));
    const watcher = workers.find((w) => history.roles.get(w.name) === 'watcher')!;
    const watching = await watcher.call({ op: 'watch', path: PATHS.sequenceParent });
    if (watching.outcome !== 'ok') throw new Error(`the watcher could not watch: ${watching.err}`);

    const rnd = new SeededRandom(cfg.seed);
    const workload = new Workload();
    const originUs = monotonicUs();
    const originMs = Date.now();
    workload.start(
      plans.flatMap((p, k) => (p.role === 'watcher' ? [] : [{ worker: workers[k]!, role: p.role, syncs: p.syncs }])),
      rnd.fork('workload'),
    );
    const syncLimitMs = cfg.timing.tickTimeMs * cfg.timing.syncLimitTicks;
    const faults = new FaultInjector(members, topo, net, disks, cuttable, syncLimitMs);
    const supervisor = setInterval(() => void faults.supervise(), 1_000);
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
    const heals: HealTime[] = [];
    const ran: Episode[] = [];
    for (const ep of schedule.episodes) {
      // The schedule's times are nominal: heals that take long push later episodes out.
      if (Date.now() - originMs + ep.durationMs > cfg.seconds * 1_000) break;
      const what = await faults.apply(ep);
      say(`  +${secs(Date.now() - originMs)} ${ep.kind}: ${what} for ${secs(ep.durationMs)}`);
      await sleep(ep.durationMs);
      await faults.heal(ep);
      const healMs = Date.now();
      const live = await timeToServe(members, healMs, cfg.livenessBoundMs);
      heals.push({ kind: ep.kind, ms: live.ms });
      ran.push(ep);
      if (live.ms === null) say(`  +${secs(Date.now() - originMs)} NOT all members serving within ${secs(cfg.livenessBoundMs)} of the heal (modes ${JSON.stringify(live.modes)})`);
      else if (live.ms > 2_000) say(`  +${secs(Date.now() - originMs)} all members serving ${secs(live.ms)} after the heal`);
      await sleep(ep.gapMs);
    }
    clearInterval(supervisor);
    await faults.supervise();
    // Clients go on for a moment on the healed ensemble, then stop.
    await new Promise((r) => setTimeout(r, 3_000));
    await workload.stop();

    // Final linearizable reads of each register, through each member.
    const finalVersions = new Map<string, number>();
    for (const m of members) {
      const c = await connectDriver(memberHost(m)).catch(() => null);
      if (!c) continue;
      for (const p of PATHS.registers) {
        const t0 = monotonicUs();
        try {
          await c.sync(p);
          const { data, stat } = await c.getData(p);
          history.ops.push({ id: nextOp++, client: `final-m${m.id}`, session: null, op: 'syncGet', path: p, t0, t1: monotonicUs(), outcome: 'ok', result: { value: data?.toString() ?? '', version: stat.version } });
          finalVersions.set(p, Math.max(finalVersions.get(p) ?? 0, stat.version));
        } catch {
          // An unanswered final read says nothing; the dumps below still compare the members.
        }
      }
      await c.close().catch(() => undefined);
    }
    await waitForWatcher(history, allHosts);
    for (const w of workers) await w.close();

    const before = await dumpUntilAgreed(members, PATHS.root, 30_000);
    // Every member crashes at once and comes back: what they had acknowledged must still be there.
    for (const m of members) await m.kill('SIGKILL');
    for (const m of members) await m.start();
    const restart = await timeToServe(members, Date.now(), 60_000);
    const after = restart.ms === null ? null : await dumpUntilAgreed(members, PATHS.root, 30_000);
    for (const m of members) await m.close();
    await writeFile(path.join(logDir, 'history.json'), JSON.stringify({ ...history, roles: [...history.roles] }));

    return await analyse({
      cfg,
      history,
      episodes: ran,
      originUs,
      notes,
      finalVersions,
      before,
      after,
      heals,
      restartServed: restart.ms !== null,
      crashes: faults.crashes,
      fullDiskStops: faults.fullDiskStops,
      dataDirs: specs.map((s) => s.dataDir),
    });
  } finally {
    for (const w of workers) w.kill();
    for (const m of members) if (m.running) await m.kill('SIGKILL');
  }
}

/** Gives the watcher (deadline 10 s) until it has seen the last sequential node created. */
async function waitForWatcher(history: ReturnType<typeof emptyHistory>, hosts: string): Promise<void> {
  const c = await connectDriver(hosts);
  const { children } = await c.getChildren(PATHS.sequenceParent).finally(() => c.close().catch(() => undefined));
  const last = children.sort().at(-1);
  if (!last) return;
  const until = Date.now() + 10_000;
  while (Date.now() < until && !history.watches.some((e) => e.path.endsWith(last))) await new Promise((r) => setTimeout(r, 100));
}
