// One fuzz run: a real 3-member ensemble (zab's `zkserver` processes, or Apache ZooKeeper 3.8's),
// good clients working through every member, the fuzz campaigns one port after another, and
// then the checks. Used by `npm run fuzz` and by test/fuzz/fuzz.test.ts.
import { copyFile, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startEnsemble, type Ensemble } from '../support/ensemble.js';
import { within } from '../support/wait.js';
import { Campaign, type CampaignStats } from './campaign.js';
import { logSize, missingWrites, rssKb, scanLog, treeDifference } from './checks.js';
import { clientScript } from './client-scripts.js';
import { saveFailure } from './failure-file.js';
import { GoodClients } from './good-clients.js';
import { peerScript, type PeerTopology } from './peer-scripts.js';
import { Probe } from './probe.js';
import type { PortKind, Script } from './script.js';

export interface FuzzOptions {
  seed: number;
  /** Frames per port. */
  frames: number;
  /** A time limit per port, in seconds: the campaign stops there even if its frames are not all sent. */
  maxSeconds?: number;
  ports: PortKind[];
  target: 'zab' | 'zookeeper';
  /** Fast connections at once per campaign (default 8). */
  concurrency?: number;
  /** Trickling connections at once beside them (default 2). */
  slowLanes?: number;
  /** Where a failure file goes (default the system's temporary directory). */
  failureDir?: string;
  /** Keep the members' data directories and logs after the run (they are removed otherwise). */
  keepData?: boolean;
  /** Instead of generating connections, send these (a failure file's) in order. */
  replay?: Script[];
  log?: (line: string) => void;
}

export interface MemberReport {
  id: number;
  pid: number | undefined;
  /** Still the same process at the end. */
  survived: boolean;
  rssBeforeKb: number | undefined;
  rssAfterKb: number | undefined;
  elections: number;
  logProblems: string[];
  warnings: Record<string, number>;
}

export interface PhaseLatency {
  phase: string;
  ops: number;
  p50Ms: number;
  p99Ms: number;
}

export interface FuzzReport {
  seed: number;
  target: 'zab' | 'zookeeper';
  campaigns: CampaignStats[];
  members: MemberReport[];
  good: { ops: number; acked: number; failures: number; firstFailures: string[]; latency: PhaseLatency[] };
  probeTroubles: string[];
  missingWrites: string[];
  treeDifference: string | null;
  treeNodes: number;
  /** Everything that must not happen and did; empty when the run passed. */
  failures: string[];
  failureFile?: string;
}

/** zab's members are configured with an observer that never runs, so a fuzz connection can speak as it. */
const PHANTOM_ID = 4;
/** How long the members have to agree after the fuzz (fuzz sessions expire within 10 s). */
const SETTLE_MS = 90_000;
/**
 * How much a member's resident memory may grow over a run. A leak of even a few hundred bytes
 * per fuzz frame passes it within a full-size run; the tree the good clients grow does not.
 */
const MAX_RSS_GROWTH_KB = 512 * 1024;
/** Bound on each check after the fuzz (reading every acknowledged write, dumping a tree). */
const CHECK_MS = 180_000;

export async function runFuzz(opts: FuzzOptions): Promise<FuzzReport> {
  const log = opts.log ?? (() => undefined);
  if (opts.target === 'zookeeper' && opts.ports.some((p) => p !== 'client')) {
    throw new Error('--target zookeeper fuzzes the client port only (ZooKeeper\'s quorum and election protocols are not zab\'s)');
  }
  const zab = opts.target === 'zab';
  log(`fuzz: target ${opts.target}, seed ${opts.seed}, ${opts.replay ? `replaying ${opts.replay.length} connections` : `${opts.frames} frames per port (${opts.ports.join(', ')})`}`);
  // The container and TTL reaper runs every second, so what the fuzz creates goes through it too.
  const reaper = { 'znode.container.checkIntervalMs': '1000' };
  const ensemble = await startEnsemble(
    opts.target,
    zab ? { voters: 3, observers: 1, notStarted: [PHANTOM_ID], cfg: reaper } : { voters: 3, javaProps: reaper },
  );
  try {
    return await fuzzEnsemble(ensemble, opts, log);
  } finally {
    if (opts.keepData) {
      await Promise.all(ensemble.members.map((m) => m.kill('SIGTERM')));
      log(`fuzz: the members' data and logs are kept in ${path.dirname(path.dirname(ensemble.members[0]!.dataDir))}`);
    } else {
      await ensemble.stop();
    }
  }
}

async function fuzzEnsemble(ensemble: Ensemble, opts: FuzzOptions, log: (line: string) => void): Promise<FuzzReport> {
  const voters = ensemble.members.filter((m) => m.role === 'participant');
  const pids = ensemble.members.map((m) => m.pid);
  const logStart = await Promise.all(ensemble.members.map(logSize));
  const good = new GoodClients(voters);
  await good.start();
  const rssBefore = await Promise.all(ensemble.members.map((m) => rssKb(m.pid)));
  const probe = new Probe(ensemble, pids);
  await probe.once();
  const topology: PeerTopology = { voters: voters.map((m) => m.id), phantom: PHANTOM_ID };
  const campaigns: Campaign[] = [];
  // The connections in flight, and just before, when something first went wrong: the likeliest culprits.
  let firstSuspects: Script[] | null = null;
  const noteSuspects = () => {
    firstSuspects ??= campaigns.at(-1)?.suspects() ?? [];
  };
  good.onFirstFailure = noteSuspects;
  probe.onFirstTrouble = noteSuspects;
  probe.start();
  const address = async (s: Script) => {
    const i = s.member === 'leader' ? probe.leaderIndex : s.member;
    const m = ensemble.members[i];
    if (!m?.running) return null;
    return { host: '127.0.0.1', port: s.port === 'client' ? m.clientPort : s.port === 'quorum' ? m.quorumPort : m.electionPort };
  };
  const limits = { answerDeadlineMs: 30_000, closeDeadlineMs: 30_000 };
  const phases: { name: string; scripts?: Script[]; port: PortKind }[] = opts.replay
    ? // Each script names its own port; the phase's is only its label in the figures.
      [{ name: 'replay', scripts: opts.replay, port: opts.replay[0]?.port ?? 'client' }]
    : opts.ports.map((p) => ({ name: p, port: p }));
  for (const phase of phases) {
    if (probe.crashed) break;
    good.phase = phase.name;
    const replay = phase.scripts;
    const c = new Campaign({
      port: phase.port,
      frames: replay ? Infinity : opts.frames,
      maxMs: opts.maxSeconds === undefined ? undefined : opts.maxSeconds * 1000,
      concurrency: replay ? 1 : (opts.concurrency ?? 8),
      slowLanes: replay ? 0 : (opts.slowLanes ?? 2),
      makeScript: (i, slow) =>
        replay ? (replay[i] ?? null) : phase.port === 'client' ? clientScript(opts.seed, i, voters.length, slow) : peerScript(opts.seed, phase.port, i, topology, slow),
      address,
      limits,
      stopped: () => probe.crashed,
      progress: (st) =>
        log(`fuzz: ${phase.name}: ${st.framesWritten} frames, ${st.connections} connections, ${(st.elapsedMs / 1000).toFixed(0)} s; hung ${st.hung}, malformed ${st.malformed}, good clients ${good.ops} ops / ${good.failureCount} failures`),
    });
    campaigns.push(c);
    const stats = await c.run();
    log(
      `fuzz: ${phase.name}: ${stats.framesWritten} frames on ${stats.connections} connections in ${(stats.elapsedMs / 1000).toFixed(1)} s; ` +
        `${stats.replies} answers, ${stats.closedByServer} closed by the server, ${stats.hung} hung, ${stats.malformed} malformed` +
        (stats.timedOut ? ' (stopped at the time limit)' : ''),
    );
  }
  good.phase = null;
  log('fuzz: checking the members');
  probe.stop();
  await probe.once();
  const rssAfter = await Promise.all(ensemble.members.map((m) => rssKb(m.pid)));
  await within(CHECK_MS, good.stop()).catch((e: Error) => log(`fuzz: good clients did not stop: ${e.message}`));
  log('fuzz: good clients stopped; reading the logs, the acknowledged writes and the trees');

  const members: MemberReport[] = [];
  for (const [i, m] of ensemble.members.entries()) {
    if (pids[i] === undefined) continue;
    const found = await scanLog(m, opts.target, logStart[i]!);
    members.push({ id: m.id, pid: pids[i], survived: m.pid === pids[i], rssBeforeKb: rssBefore[i], rssAfterKb: rssAfter[i], elections: found.elections, logProblems: found.problems, warnings: found.warnings });
  }
  const allUp = members.every((m) => m.survived);
  // A member that no longer serves must fail the run, not hang it: each check has a deadline.
  const missing = allUp
    ? await within(CHECK_MS, missingWrites(ensemble, good)).catch((e: Error) => [`not checked: ${e.message}`])
    : ['not checked: a member is down'];
  const trees = allUp
    ? await within(SETTLE_MS + CHECK_MS, treeDifference(ensemble, SETTLE_MS)).catch((e: Error) => ({ difference: `not checked: ${e.message}`, nodes: 0 }))
    : { difference: 'not checked: a member is down', nodes: 0 };

  const report: FuzzReport = {
    seed: opts.seed,
    target: opts.target,
    campaigns: campaigns.map((c) => c.stats),
    members,
    good: {
      ops: good.ops,
      acked: good.acked.size,
      failures: good.failureCount,
      firstFailures: good.failures.slice(0, 5).map((f) => `member ${f.member} ${f.op} at ${f.atMs} ms: ${f.error}`),
      latency: [...good.phases].map(([phase, l]) => ({ phase, ops: l.count, p50Ms: l.quantile(0.5), p99Ms: l.quantile(0.99) })),
    },
    probeTroubles: probe.troubles,
    missingWrites: missing,
    treeDifference: trees.difference,
    treeNodes: trees.nodes,
    failures: [],
  };
  report.failures = judge(report, opts.target);
  if (report.failures.length) {
    const dir = opts.failureDir ?? os.tmpdir();
    await mkdir(dir, { recursive: true });
    const file = path.join(dir, `zab-fuzz-failure-${opts.target}-${opts.seed}.json`);
    // The connections that hung or got a bad answer first, then those in flight at the first trouble, then at the end.
    const examples = campaigns.flatMap((c) => [...c.stats.examples.hung.map((h) => h.script), ...c.stats.examples.malformed.map((h) => h.script), ...c.stats.examples.closedEarly]);
    const scripts = [...new Set([...examples, ...(firstSuspects ?? []), ...campaigns.flatMap((c) => c.suspects())])];
    await saveFailure(file, { seed: opts.seed, target: opts.target, failures: report.failures, scripts });
    report.failureFile = file;
    // The members' logs go with it: the ensemble's directory is removed when it stops.
    for (const m of ensemble.members) await copyFile(m.logFile, file.replace(/\.json$/, `-member${m.id}.log`)).catch(() => undefined);
  }
  return report;
}

/** What must hold. The log's errors and elections are judged for zab only (ZooKeeper logs differently). */
function judge(r: FuzzReport, target: 'zab' | 'zookeeper'): string[] {
  const f: string[] = [];
  for (const m of r.members) {
    if (!m.survived) f.push(`member ${m.id} crashed or restarted (pid ${m.pid})`);
    if (m.rssAfterKb !== undefined && m.rssBeforeKb !== undefined && m.rssAfterKb - m.rssBeforeKb > MAX_RSS_GROWTH_KB) {
      f.push(`member ${m.id}'s memory grew from ${m.rssBeforeKb} KiB to ${m.rssAfterKb} KiB, more than ${MAX_RSS_GROWTH_KB} KiB`);
    }
    if (target === 'zab') {
      for (const p of m.logProblems.slice(0, 3)) f.push(`member ${m.id} logged: ${p}`);
      if (m.elections) f.push(`member ${m.id} went through ${m.elections} election steps during the fuzz`);
    }
  }
  for (const t of r.probeTroubles.slice(0, 5)) f.push(`probe: ${t}`);
  for (const c of r.campaigns) {
    if (c.hung) f.push(`${c.port}: ${c.hung} connections hung, e.g. ${c.examples.hung.map((h) => `#${h.script.index} ${h.script.kind}: ${h.why}`).join('; ')}`);
    if (c.malformed) f.push(`${c.port}: ${c.malformed} connections got a malformed answer, e.g. ${c.examples.malformed.map((h) => `#${h.script.index} ${h.script.kind}: ${h.why}`).join('; ')}`);
    if (c.closedEarly && target === 'zab') f.push(`${c.port}: ${c.closedEarly} connections closed with answers owed, e.g. ${c.examples.closedEarly.map((s) => `#${s.index} ${s.kind}`).join('; ')}`);
  }
  if (r.good.failures) f.push(`good clients: ${r.good.failures} failed operations, first: ${r.good.firstFailures.join('; ')}`);
  for (const w of r.missingWrites) f.push(`acknowledged write missing: ${w}`);
  if (r.treeDifference) f.push(`trees differ: ${r.treeDifference}`);
  return f;
}
