#!/usr/bin/env node
// Storage benchmark (not a test): standalone zab and Apache ZooKeeper 3.8 on this machine,
// same load generator (../shared/bench, the official Java client), fsync on for both.
// Prints create throughput with 1, 16 and 64 sessions, restart time with N znodes and bytes
// on disk per znode, for each server, and zab/ZooKeeper ratios.
//   node bench/storage.mjs [--duration 15] [--warmup 3] [--znodes 1000000]
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const loadgen = resolve(root, '../shared/bench/loadgen.sh');
const args = Object.fromEntries(process.argv.slice(2).reduce((acc, a, i, all) => (a.startsWith('--') ? [...acc, [a.slice(2), all[i + 1]]] : acc), []));
const duration = Number(args.duration ?? 15);
const warmup = Number(args.warmup ?? 3);
const znodes = Number(args.znodes ?? 1_000_000);

const freePort = () => new Promise((r) => { const s = createServer(); s.listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => r(p)); }); });
const fourLetter = (port, word) => new Promise((resolveWord) => {
  const s = createConnection({ port, host: '127.0.0.1' });
  let out = '';
  const timer = setTimeout(() => { s.destroy(); resolveWord(out); }, 2000);
  s.on('connect', () => s.write(word));
  s.on('data', (d) => (out += d));
  s.on('error', () => { clearTimeout(timer); resolveWord(''); });
  s.on('close', () => { clearTimeout(timer); resolveWord(out); });
});

function start(kind, dataDir, port) {
  const cfg = join(dataDir, 'zoo.cfg');
  writeFileSync(cfg, `tickTime=2000\ndataDir=${dataDir}/data\nclientPort=${port}\nclientPortAddress=127.0.0.1\n4lw.commands.whitelist=*\nadmin.enableServer=false\nmaxClientCnxns=0\n`);
  const cmd = kind === 'zab'
    ? [process.execPath, [join(root, 'packages/server/dist/bin/zkserver.js'), '--config', cfg, '--log-level', 'warn']]
    : ['java', ['-Xmx2g', '-cp', '/usr/share/java/zookeeper.jar:/usr/share/java/slf4j-simple.jar', '-Dzookeeper.admin.enableServer=false', '-Dorg.slf4j.simpleLogger.defaultLogLevel=warn', 'org.apache.zookeeper.server.quorum.QuorumPeerMain', cfg]];
  return spawn(cmd[0], cmd[1], { stdio: ['ignore', 'ignore', 'inherit'] });
}

/** Waits until the server answers srvr with at least `nodes` znodes; returns ms waited. */
async function waitServing(port, nodes = 0) {
  const t0 = Date.now();
  for (;;) {
    const m = /Node count: (\d+)/.exec(await fourLetter(port, 'srvr'));
    if (m && Number(m[1]) >= nodes) return Date.now() - t0;
    if (Date.now() - t0 > 600_000) throw new Error('server did not come up');
    await new Promise((r) => setTimeout(r, 20));
  }
}

function runLoad(port, sessions, extra = []) {
  const r = spawnSync(loadgen, ['--hosts', `127.0.0.1:${port}`, '--sessions', String(sessions), '--inflight', '1', '--op', 'create', '--size', '100', '--duration', String(duration), '--warmup', String(warmup), ...extra], { encoding: 'utf8', maxBuffer: 1 << 26 });
  const line = r.stdout.trim().split('\n').filter((l) => l.startsWith('{')).at(-1);
  if (!line) throw new Error(`loadgen failed: ${r.stderr}`);
  return JSON.parse(line);
}

const kill9 = (p) => new Promise((r) => { p.once('exit', r); p.kill('SIGKILL'); });
const du = (dir) => Number(spawnSync('du', ['-sb', dir], { encoding: 'utf8' }).stdout.split('\t')[0]);

const results = { zab: {}, zookeeper: {} };
for (const sessions of [1, 16, 64]) {
  for (const kind of ['zab', 'zookeeper']) {
    const dir = mkdtempSync(join(tmpdir(), `bench-${kind}-`));
    const port = await freePort();
    const p = start(kind, dir, port);
    await waitServing(port);
    const r = runLoad(port, sessions);
    results[kind][`create_${sessions}`] = r;
    console.log(`${kind.padEnd(9)} create, ${String(sessions).padStart(2)} sessions x 1 in flight: ${r.ops_per_sec.toFixed(0)} ops/s, p50 ${r.p50_ms} ms, p99 ${r.p99_ms} ms`);
    await kill9(p);
    rmSync(dir, { recursive: true, force: true });
  }
}

for (const kind of ['zab', 'zookeeper']) {
  const dir = mkdtempSync(join(tmpdir(), `bench-${kind}-`));
  const port = await freePort();
  let p = start(kind, dir, port);
  await waitServing(port);
  const t0 = Date.now();
  spawnSync(loadgen, ['--hosts', `127.0.0.1:${port}`, '--sessions', '16', '--inflight', '8', '--op', 'create', '--size', '100', '--duration', '100000', '--warmup', '0', '--max-ops', String(znodes)], { encoding: 'utf8', maxBuffer: 1 << 26 });
  const fillS = (Date.now() - t0) / 1000;
  const count = Number(/Node count: (\d+)/.exec(await fourLetter(port, 'srvr'))[1]);
  await kill9(p);
  const bytes = du(join(dir, 'data'));
  const t1 = Date.now();
  p = start(kind, dir, port);
  await waitServing(port, count);
  const restartMs = Date.now() - t1;
  results[kind].restart = { znodes: count, restartMs, bytesPerZnode: bytes / count };
  console.log(`${kind.padEnd(9)} ${count} znodes (filled in ${fillS.toFixed(0)} s): restart after SIGKILL ${restartMs} ms, ${(bytes / count).toFixed(0)} bytes on disk per znode`);
  await kill9(p);
  rmSync(dir, { recursive: true, force: true });
}

const ratio = (a, b) => (b ? (a / b).toFixed(2) : 'n/a');
console.log('\nzab / ZooKeeper:');
for (const s of [1, 16, 64]) console.log(`  create throughput, ${s} sessions: ${ratio(results.zab[`create_${s}`].ops_per_sec, results.zookeeper[`create_${s}`].ops_per_sec)}x`);
console.log(`  restart time: ${ratio(results.zab.restart.restartMs, results.zookeeper.restart.restartMs)}x (lower is better)`);
console.log(`  bytes per znode: ${ratio(results.zab.restart.bytesPerZnode, results.zookeeper.restart.bytesPerZnode)}x (lower is better)`);
