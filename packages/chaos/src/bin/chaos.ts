#!/usr/bin/env node
/**
 * npm run chaos -- [--seed N | --seeds N [--from S]] [--seconds S] [--members 3|5] [--target zab|zookeeper]
 *
 * Each seed: a fresh set of network namespaces and member disks, the members and clients
 * under that seed's fault schedule, the checks, and everything removed again. The last line
 * is `N passed, M failed`; the exit status is non-zero when any run failed.
 */
import { spawn } from 'node:child_process';
import { cp, mkdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { MemberDisks, removeRunDisks } from '../env/disks.js';
import type { Target } from '../env/members.js';
import { createTopology, describeTopology, destroyNamespaces, runIdFor } from '../env/topology.js';
import type { RunResult } from '../run/analyse.js';
import { cleanupLeftovers, missingPrerequisites, runDirOf } from '../run/machine.js';
import { clientCount, runSeed, type SeedConfig } from '../run/run-seed.js';

const SELF = fileURLToPath(import.meta.url);
/** Each member's filesystem: room for a long run's log, small enough to fill at once. */
const DISK_MB = 256;

interface Options {
  seeds: number[];
  seconds: number;
  members: number;
  target: Target;
  logsDir: string;
  /** Keep every run's logs, not only failed runs'. */
  keepLogs: boolean;
}

class UsageError extends Error {}

function parse(argv: string[]): Options {
  const value = (name: string): string | undefined => {
    const i = argv.indexOf(`--${name}`);
    if (i < 0) return undefined;
    const v = argv[i + 1];
    if (v === undefined || v.startsWith('--')) throw new UsageError(`--${name} needs a value`);
    return v;
  };
  const int = (name: string, dflt: number, min: number, max: number): number => {
    const v = value(name);
    if (v === undefined) return dflt;
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${name} must be a whole number from ${min} to ${max}, not ${v}`);
    return n;
  };
  const known = new Set(['seed', 'seeds', 'from', 'seconds', 'members', 'target', 'logs', 'keep-logs']);
  for (const a of argv) if (a.startsWith('--') && !known.has(a.slice(2))) throw new UsageError(`unknown option ${a}`);
  const target = value('target') ?? 'zab';
  if (target !== 'zab' && target !== 'zookeeper') throw new UsageError(`--target must be zab or zookeeper, not ${target}`);
  const members = int('members', 3, 3, 5);
  if (members !== 3 && members !== 5) throw new UsageError('--members must be 3 or 5');
  if (value('seed') !== undefined && value('seeds') !== undefined) throw new UsageError('give --seed or --seeds, not both');
  const from = int('from', 1, 0, 2 ** 31);
  const seeds = value('seed') !== undefined ? [int('seed', 1, 0, 2 ** 32 - 1)] : Array.from({ length: int('seeds', 1, 1, 100_000) }, (_, i) => from + i);
  return { seeds, seconds: int('seconds', 60, 20, 24 * 3600), members, target, logsDir: value('logs') ?? path.join(os.tmpdir(), 'zabchaos-logs'), keepLogs: argv.includes('--keep-logs') };
}

/** The run process of the seed going on, for a signal to stop. */
interface Current {
  child: ReturnType<typeof spawn> | null;
}

/** One seed: machine set up here, the run itself in a process inside the clients' namespace. */
async function runOne(o: Options, seed: number, current: Current): Promise<RunResult | null> {
  const runId = runIdFor(process.pid);
  const runDir = runDirOf(runId);
  const clients = clientCount(o.members);
  const topo = describeTopology(runId, o.members, clients);
  const disks = new MemberDisks(runDir, runId, DISK_MB);
  let ok = false;
  try {
    await mkdir(runDir, { recursive: true });
    await createTopology(topo);
    for (let id = 1; id <= o.members; id++) await disks.create(id);
    const cfg: SeedConfig = {
      runId,
      runDir,
      seed,
      seconds: o.seconds,
      members: o.members,
      target: o.target,
      clients,
      disks: disks.describe(),
      creatorPid: process.pid,
      timing: { tickTimeMs: 500, initLimitTicks: 10, syncLimitTicks: 5 },
      sessionTimeoutMs: 5_000,
      livenessBoundMs: 10_000,
    };
    const cfgFile = path.join(runDir, 'seed.json');
    const resultFile = path.join(runDir, 'result.json');
    await writeFile(cfgFile, JSON.stringify(cfg));
    const code = await new Promise<number>((resolve) => {
      const child = spawn('ip', ['netns', 'exec', topo.clientsNs, process.execPath, SELF, '--inner', cfgFile, resultFile], { stdio: 'inherit' });
      current.child = child;
      child.once('exit', (c, s) => resolve(c ?? (s ? 128 : 1)));
    });
    current.child = null;
    if (code !== 0) {
      console.log(`seed ${seed}: the run stopped with an error (exit ${code})`);
      return null;
    }
    const result = JSON.parse(await readFile(resultFile, 'utf8')) as RunResult;
    ok = result.passed;
    return result;
  } finally {
    if (!ok || o.keepLogs) await keepLogs(o, seed, runDir);
    await destroyNamespaces(runId);
    await removeRunDisks(runDir, runId);
  }
}

/** Copies a failed run's logs out of its directory before it is removed. */
async function keepLogs(o: Options, seed: number, runDir: string): Promise<void> {
  const dest = path.join(o.logsDir, `${o.target}-seed-${seed}`);
  try {
    await mkdir(dest, { recursive: true });
    await cp(path.join(runDir, 'logs'), path.join(dest, 'clients'), { recursive: true }).catch(() => undefined);
    for (let id = 1; id <= o.members; id++) await cp(path.join(runDir, `home-m${id}`, 'server.log'), path.join(dest, `member-${id}.log`)).catch(() => undefined);
    console.log(`  logs kept in ${dest}`);
  } catch (e) {
    console.log(`  could not keep the logs: ${(e as Error).message}`);
  }
}

const USAGE = 'usage: npm run chaos -- [--seed N | --seeds N [--from S]] [--seconds S] [--members 3|5] [--target zab|zookeeper] [--logs DIR] [--keep-logs]';

const HELP = `${USAGE}

Runs an ensemble of real members (zab's zkserver, or Apache ZooKeeper 3.8 with --target
zookeeper), each in its own network namespace, under a seeded schedule of faults (cut links,
splits, SIGKILL, SIGSTOP, lossy links, full and slow disks), with real clients working
throughout; then checks their histories (linearizability, lost writes, sequences, locks,
watches, expiries), the members' trees, and that every member serves again within 10 s of
each heal. Needs Linux and root; says what else is missing.

  --seed N          one seed (its schedule replays exactly)
  --seeds N         seeds 1..N (--from S starts at S instead of 1)
  --seconds S       seconds of faults per seed (default 60)
  --members 3|5     ensemble size (default 3)
  --target T        zab (default) or zookeeper
  --logs DIR        where failed runs' logs go (default $TMPDIR/zabchaos-logs)
  --keep-logs       keep every run's logs, not only failed runs'
  --help            this text

The last line is "N passed, M failed"; the exit status is 1 when any run failed.`;

async function outer(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(HELP);
    return 0;
  }
  let o: Options;
  try {
    o = parse(argv);
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`chaos: ${e.message}\n${USAGE}`);
      return 2;
    }
    throw e;
  }
  const missing = await missingPrerequisites(o.target);
  if (missing.length) {
    console.error(`chaos: this machine cannot run the suite:\n${missing.map((m) => `  - ${m}`).join('\n')}`);
    return 2;
  }
  const removed = await cleanupLeftovers();
  if (removed.length) console.log(`removed what earlier runs left behind: ${removed.join(', ')}`);
  const current: Current = { child: null };
  const stop = async () => {
    current.child?.kill('SIGKILL');
    const runId = runIdFor(process.pid);
    await destroyNamespaces(runId);
    await removeRunDisks(runDirOf(runId), runId);
    process.exit(130);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
  const results: (RunResult | null)[] = [];
  for (const seed of o.seeds) results.push(await runOne(o, seed, current));
  const passed = results.filter((r) => r?.passed).length;
  const failed = results.length - passed;
  if (results.length > 1) summarise(results);
  console.log(`${passed} passed, ${failed} failed`);
  return failed ? 1 : 0;
}

function summarise(results: (RunResult | null)[]): void {
  const ok = results.filter((r): r is RunResult => r !== null);
  const sum = (f: (r: RunResult) => number) => ok.reduce((n, r) => n + f(r), 0);
  const serve = ok.map((r) => r.timeToServeMs).filter((x): x is number => x !== null).sort((a, b) => a - b);
  const median = serve.length ? serve[Math.floor(serve.length / 2)]! : null;
  console.log(
    `all runs: ${results.length} · ops ${sum((r) => r.ops.total)} (ok ${sum((r) => r.ops.ok)}, fail ${sum((r) => r.ops.fail)}, indeterminate ${sum((r) => r.ops.info)}) · ` +
      `anomalies ${sum((r) => r.anomalyTotal)} · lost writes ${sum((r) => r.lostWrites)} · divergent members ${sum((r) => r.divergentMembers)} · stale reads ${sum((r) => r.staleReads)} · ` +
      `time to serve after heal: median ${median === null ? '-' : (median / 1000).toFixed(1)} s, max ${serve.length ? (serve.at(-1)! / 1000).toFixed(1) : '-'} s`,
  );
}

async function inner(cfgFile: string, resultFile: string): Promise<number> {
  const cfg = JSON.parse(await readFile(cfgFile, 'utf8')) as SeedConfig;
  const result = await runSeed(cfg);
  await writeFile(resultFile, JSON.stringify(result));
  return 0;
}

const argv = process.argv.slice(2);
const main = argv[0] === '--inner' ? inner(argv[1]!, argv[2]!) : outer(argv);
main.then(
  (code) => process.exit(code),
  (e) => {
    console.error(`chaos: ${(e as Error).stack ?? e}`);
    process.exit(1);
  },
);
