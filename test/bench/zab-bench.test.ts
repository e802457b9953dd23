// zab-bench run end to end, as a user runs it (the bin, a child process) against a real zab and
// a real Apache ZooKeeper 3.8: every workload completes without errors, its counts add up, it
// removes what it made; the failover workload goes on through a leader SIGKILL; and the Java
// LoadGen, the independent check, compiles and loads both servers. No figure is judged: speed
// is the benchmark's business, not the tests'.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { compileLoadGen, runLoadGen } from '../../packages/bench/src/compare/java-driver.js';
import type { WorkloadResult } from '../../packages/bench/src/result.js';
import { startEnsemble, type Ensemble } from '../support/ensemble.js';
import { REPO_ROOT, startServer, type RunningServer, type ServerKind } from '../support/launch.js';
import { RawClient } from '../support/raw-client.js';

const BIN = path.join(REPO_ROOT, 'packages/bench/bin/zab-bench.js');

let server: RunningServer | undefined;
let ensemble: Ensemble | undefined;
const tempDirs: string[] = [];
afterEach(async () => {
  await server?.stop();
  await ensemble?.stop();
  server = undefined;
  ensemble = undefined;
  for (const d of tempDirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** Where a run writes its JSON; removed after the test. */
function jsonFile(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'zab-bench-test-'));
  tempDirs.push(dir);
  return path.join(dir, 'out.json');
}

/** The pid of the process whose command line names this zoo.cfg. */
function pidOf(cfgFile: string): number {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').includes(cfgFile)) return Number(entry);
    } catch {
      // gone meanwhile
    }
  }
  throw new Error(`no process runs ${cfgFile}`);
}

/** Runs the bin; resolves with its exit status, stdout and stderr. */
function zabBench(args: string[], onStarted?: () => void): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('exit', (code) => resolve({ code, out, err }));
    onStarted?.();
  });
}

function readResults(file: string): WorkloadResult[] {
  return (JSON.parse(readFileSync(file, 'utf8')) as { results: WorkloadResult[] }).results;
}

/** The children of a znode, read on a fresh session ([] when it does not exist). */
async function children(port: number, p: string): Promise<string[]> {
  const c = await RawClient.connect({ port });
  try {
    const r = await c.getChildren(p, false);
    return r.err === 0 ? r.body!.children.sort() : [];
  } finally {
    c.destroy();
  }
}

describe.each<ServerKind>(['zab', 'zookeeper'])('zab-bench run against %s', (kind) => {
  it('runs every workload without errors, counts what it did, and leaves nothing behind', { timeout: 240_000 }, async () => {
    server = await startServer(kind);
    const json = jsonFile();
    const workloads = ['create', 'setData', 'getData', 'mixed', 'delete', 'churn', 'fanout', 'idle', 'watches'];
    const pid = pidOf(path.join(server.dataDir, 'zoo.cfg'));
    const args = ['run', '--hosts', `127.0.0.1:${server.port}`, '--workload', workloads.join(','), '--sessions', '4', '--inflight', '4'];
    args.push('--duration', '1', '--warmup', '0.5', '--keys', '500', '--watches', '2000', '--server-pid', String(pid), '--json', json);
    const run = await zabBench(args);
    expect(run.code, run.err).toBe(0);
    // The table, then (with --json) nothing else on stdout; the progress went to stderr.
    for (const w of workloads) expect(run.out).toMatch(new RegExp(`^${w} `, 'm'));
    expect(run.err).toContain('running');

    const results = readResults(json);
    expect(results.map((r) => r.workload)).toEqual(workloads);
    const by = Object.fromEntries(results.map((r) => [r.workload, r]));
    for (const r of results) {
      expect(r.errors, `${r.workload} errors`).toEqual({});
      expect(r.ops, `${r.workload} ops`).toBeGreaterThan(0);
    }
    for (const w of ['create', 'setData', 'getData', 'mixed', 'delete', 'churn']) expect(by[w]!.latency.count, w).toBe(by[w]!.ops);
    expect(by['delete']!.metrics['poolZnodes']).toBeGreaterThanOrEqual(by['delete']!.ops);
    for (const phase of ['connect', 'create', 'close']) expect(by['churn']!.phases[phase]!.count).toBe(by['churn']!.ops);
    expect(by['fanout']!.metrics['missed']).toBe(0);
    expect(by['fanout']!.metrics['watchersPerRound']).toBe(4);
    expect(by['idle']!.metrics['sessionsConnected']).toBe(4);
    expect(by['idle']!.metrics['rssAfterBytes']).toBeGreaterThan(0);
    expect(Number.isFinite(by['idle']!.metrics['idleCpuPct'])).toBe(true);
    expect(by['watches']!.metrics['watchesSet']).toBe(2000);
    expect(by['watches']!.metrics['serverReportedWatches']).toBe(2000);
    expect(await children(server.port, '/')).toEqual(['zookeeper']);
  });

  it('LoadGen, on the official Java client, loads it too', { timeout: 120_000 }, async () => {
    server = await startServer(kind);
    const classes = compileLoadGen();
    const hosts = [{ host: '127.0.0.1', port: server.port }];
    for (const op of ['create', 'getData'] as const) {
      const r = await runLoadGen(classes, { op, hosts, sessions: 2, inFlight: 4, valueBytes: 100, keys: 20, readPct: 90, durationS: 1, warmupS: 0.5, rootPath: `/zab-bench/java-${op}` });
      expect(r.errors, op).toBe(0);
      expect(r.ops, op).toBeGreaterThan(0);
      expect(r.p50_ms).toBeLessThanOrEqual(r.p99_ms);
    }
  });
});

describe('zab-bench run, failover', () => {
  it('keeps writing through a leader SIGKILL, on another member', { timeout: 180_000 }, async () => {
    ensemble = await startEnsemble('zab', { voters: 3 });
    const leader = await ensemble.waitServing();
    const survivor = ensemble.members.find((m) => m !== leader)!;
    const json = jsonFile();
    const args = ['run', '--hosts', ensemble.connectString, '--workload', 'failover', '--sessions', '6', '--inflight', '1'];
    args.push('--duration', '8', '--warmup', '1', '--keep', '--json', json, '--quiet');
    const running = zabBench(args);
    // Kill the leader once writes are flowing (read through a member that survives).
    let root = '';
    for (const until = Date.now() + 60_000; root === '' || (await children(survivor.clientPort, `/zab-bench/${root}`)).length < 50; ) {
      if (Date.now() > until) throw new Error('the failover run wrote nothing');
      await new Promise((r) => setTimeout(r, 50)); // poll interval
      root = (await children(survivor.clientPort, '/zab-bench'))[0] ?? '';
    }
    await leader.kill('SIGKILL');
    await ensemble.waitServing(2);
    const atServing = (await children(survivor.clientPort, `/zab-bench/${root}`)).length;
    const run = await running;
    expect(run.code, run.err).toBe(0);
    const [r] = readResults(json);
    expect(r!.metrics['reconnects']).toBeGreaterThan(0);
    expect(r!.metrics['maxGapMs']).toBeGreaterThan(0);
    // Writes went on after the kill: more znodes now than when two members served again.
    expect((await children(survivor.clientPort, `/zab-bench/${root}`)).length).toBeGreaterThan(atServing);
  });
});
