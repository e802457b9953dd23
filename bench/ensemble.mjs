#!/usr/bin/env node
// Ensemble benchmark (not a test): a 3-node zab ensemble and a 3-node Apache ZooKeeper 3.8
// ensemble on this machine, started from the same zoo.cfg files (standaloneEnabled=false,
// server.N=host:quorum:election;clientPort), loaded by the same neutral load generator
// (../shared/bench, the official Java client), fsync on for both. Prints create and getData
// throughput and p50/p99 at 16 sessions x 8 in flight (100-byte values), one session's
// create p50, and the longest gap between successful writes when the leader is SIGKILLed
// (leader kill to the first successful write), with zab/ZooKeeper ratios.
//   node bench/ensemble.mjs [--duration 15] [--warmup 5] [--rounds 1]
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const loadgen = resolve(root, '../shared/bench/loadgen.sh');
const args = Object.fromEntries(process.argv.slice(2).reduce((acc, a, i, all) => (a.startsWith('--') ? [...acc, [a.slice(2), all[i + 1]]] : acc), []));
const duration = Number(args.duration ?? 15);
const warmup = Number(args.warmup ?? 5);
const rounds = Number(args.rounds ?? 1);

const freePort = () => new Promise((r) => { const s = createServer(); s.listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => r(p)); }); });
const fourLetter = (port, word) => new Promise((done) => {
  const s = createConnection({ port, host: '127.0.0.1' });
  let out = '';
  const timer = setTimeout(() => { s.destroy(); done(out); }, 2000);
  s.on('connect', () => s.write(word));
  s.on('data', (d) => (out += d));
  s.on('error', () => { clearTimeout(timer); done(''); });
  s.on('close', () => { clearTimeout(timer); done(out); });
});
const modeOf = async (port) => /Mode: (\w+)/.exec(await fourLetter(port, 'srvr'))?.[1] ?? null;

/** The same three zoo.cfg files serve both servers. */
async function writeConfigs(dir) {
  const members = [];
  for (let id = 1; id <= 3; id++) members.push({ id, client: await freePort(), quorum: await freePort(), election: await freePort() });
  for (const m of members) {
    const home = join(dir, `node-${m.id}`);
    mkdirSync(join(home, 'data'), { recursive: true });
    writeFileSync(join(home, 'data', 'myid'), `${m.id}\n`);
    const lines = ['tickTime=2000', 'initLimit=10', 'syncLimit=5', `dataDir=${join(home, 'data')}`, 'standaloneEnabled=false',
      '4lw.commands.whitelist=*', 'admin.enableServer=false', 'maxClientCnxns=0',
      ...members.map((o) => `server.${o.id}=127.0.0.1:${o.quorum}:${o.election};127.0.0.1:${o.client}`)];
    writeFileSync(join(home, 'zoo.cfg'), lines.join('\n') + '\n');
    m.cfg = join(home, 'zoo.cfg');
  }
  return members;
}

function startMember(kind, m) {
  const cmd = kind === 'zab'
    ? [process.execPath, [join(root, 'packages/server/dist/bin/zkserver.js'), '--config', m.cfg, '--log-level', 'warn']]
    : ['java', ['-Xmx1g', '-cp', '/usr/share/java/zookeeper.jar:/usr/share/java/slf4j-simple.jar', '-Dzookeeper.admin.enableServer=false', '-Dorg.slf4j.simpleLogger.defaultLogLevel=warn', 'org.apache.zookeeper.server.quorum.QuorumPeerMain', m.cfg]];
  m.proc = spawn(cmd[0], cmd[1], { stdio: ['ignore', 'ignore', 'ignore'] });
}

async function waitServing(members) {
  const t0 = Date.now();
  for (;;) {
    const modes = await Promise.all(members.map((m) => modeOf(m.client)));
    if (modes.every((x) => x === 'leader' || x === 'follower') && modes.filter((x) => x === 'leader').length === 1) {
      return members[modes.indexOf('leader')];
    }
    if (Date.now() - t0 > 120_000) throw new Error(`ensemble did not come up: ${modes}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function loadArgs(members, sessions, inflight, op, dur = duration, wu = warmup) {
  return ['--hosts', members.map((m) => `127.0.0.1:${m.client}`).join(','), '--sessions', String(sessions), '--inflight', String(inflight),
    '--op', op, '--size', '100', '--duration', String(dur), '--warmup', String(wu)];
}

function parse(stdout, stderr) {
  const line = stdout.trim().split('\n').filter((l) => l.startsWith('{')).at(-1);
  if (!line) throw new Error(`loadgen failed: ${stderr}`);
  return JSON.parse(line);
}

function runLoad(members, sessions, inflight, op) {
  const r = spawnSync(loadgen, loadArgs(members, sessions, inflight, op), { encoding: 'utf8', maxBuffer: 1 << 26 });
  return parse(r.stdout, r.stderr);
}

/** Writes from 8 sessions while the leader is SIGKILLed: the longest gap between successes. */
async function failover(members, leader) {
  const child = spawn(loadgen, loadArgs(members, 8, 1, 'create', 14, 1), { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '', err = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (err += d));
  const exited = new Promise((r) => child.on('exit', r));
  await new Promise((r) => setTimeout(r, 6000)); // let the load settle before the kill (a benchmark, not a test)
  const killedAt = Date.now();
  leader.proc.kill('SIGKILL');
  await exited;
  const res = parse(out, err);
  return { gapMs: res.max_gap_ms, gapStartsAfterKillMs: res.max_gap_start_epoch_ms ? res.max_gap_start_epoch_ms - killedAt : null, errors: res.errors };
}

const results = { zab: [], zookeeper: [] };
for (let round = 0; round < rounds; round++) {
  for (const kind of ['zab', 'zookeeper']) {
    const dir = mkdtempSync(join(tmpdir(), `bench-ens-${kind}-`));
    const members = await writeConfigs(dir);
    for (const m of members) startMember(kind, m);
    try {
      const leader = await waitServing(members);
      const r = {};
      r.create = runLoad(members, 16, 8, 'create');
      r.get = runLoad(members, 16, 8, 'get');
      r.create1 = runLoad(members, 1, 1, 'create');
      r.failover = await failover(members, leader);
      results[kind].push(r);
      console.log(`${kind.padEnd(9)} create 16x8 ${r.create.ops_per_sec.toFixed(0)} ops/s (p50 ${r.create.p50_ms} p99 ${r.create.p99_ms} ms); ` +
        `get 16x8 ${r.get.ops_per_sec.toFixed(0)} ops/s (p50 ${r.get.p50_ms} p99 ${r.get.p99_ms} ms); ` +
        `create 1x1 p50 ${r.create1.p50_ms} ms (${r.create1.ops_per_sec.toFixed(0)} ops/s); leader SIGKILL -> write gap ${r.failover.gapMs} ms`);
    } finally {
      for (const m of members) m.proc.kill('SIGKILL');
      await new Promise((r) => setTimeout(r, 500));
      rmSync(dir, { recursive: true, force: true });
    }
  }
}

const median = (xs) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const pick = (kind, f) => median(results[kind].map(f));
const rows = [
  ['create 16x8 ops/s', (r) => r.create.ops_per_sec, 'higher'],
  ['create 16x8 p50 ms', (r) => r.create.p50_ms, 'lower'],
  ['create 16x8 p99 ms', (r) => r.create.p99_ms, 'lower'],
  ['getData 16x8 ops/s', (r) => r.get.ops_per_sec, 'higher'],
  ['getData 16x8 p50 ms', (r) => r.get.p50_ms, 'lower'],
  ['getData 16x8 p99 ms', (r) => r.get.p99_ms, 'lower'],
  ['create 1x1 p50 ms', (r) => r.create1.p50_ms, 'lower'],
  ['leader SIGKILL -> next write ms', (r) => r.failover.gapMs, 'lower'],
];
console.log(`\n| measure (median of ${rounds}) | zab | ZooKeeper | zab / ZooKeeper | better is |`);
console.log('|---|---|---|---|---|');
for (const [name, f, better] of rows) {
  const a = pick('zab', f), b = pick('zookeeper', f);
  console.log(`| ${name} | ${a.toFixed(2)} | ${b.toFixed(2)} | ${(a / b).toFixed(2)}x | ${better} |`);
}
