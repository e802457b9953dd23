#!/usr/bin/env node
// CPU time, voluntary context switches and write syscalls per txn on each member of a zab
// ensemble (3 members, or --members 5) under a zab-bench load: figures that depend little on
// what else the machine runs, unlike ops/s. Starts the members (fsync on), finds the leader,
// runs `zab-bench run` against all of them (--pin leader|follower: only the leader, or only
// the follower of the lowest id, as the bench's 1x1 rows pin their session), and samples every
// member's /proc/PID/stat (user + system time), /proc/PID/task/*/status (voluntary context
// switches of all its threads: the main thread's and libuv's pool's wake-ups) and /proc/PID/io
// (syscw) with the leader's zxid and znode count (srvr) every 250 ms. Each interval is classed by what
// the txns did to the znode count: a create for each txn, a delete for each, or none (setData);
// mixed intervals are left out. So the delete row's own deletes are told from the creates that
// fill its pool, and the clean-up's deletes count as deletes.
//
//   node bench/cpu-per-op.mjs --workload delete [--sessions 16 --inflight 8 --size 100]
//        [--duration 8 --warmup 1] [--ports 41000] [--dir /tmp/cpu-per-op] [--cfg key=value,...]
//        [--cpu-prof DIR] [--members 3|5] [--pin leader|follower]
//        [--min-txns 50]
//   one client's create: --workload create --sessions 1 --inflight 1 --members 5 --pin leader --min-txns 5
//
// --cpu-prof keeps each member's V8 profile, and a copy cut to the workload's own intervals
// (`leader-N.cpuprofile`, `follower-N.cpuprofile`) for bench/profile-summary.mjs.
// Batching makes the per-op figures fall as throughput rises: compare runs of similar ops/s.
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { fourLetter, sleep, startMembers, waitForLeader } from './local-ensemble.mjs';

const { values: o } = parseArgs({
  options: {
    workload: { type: 'string', default: 'delete' },
    sessions: { type: 'string', default: '16' },
    inflight: { type: 'string', default: '8' },
    size: { type: 'string', default: '100' },
    duration: { type: 'string', default: '8' },
    warmup: { type: 'string', default: '1' },
    ports: { type: 'string', default: '41000' },
    dir: { type: 'string', default: '/tmp/cpu-per-op' },
    cfg: { type: 'string', default: '' },
    'cpu-prof': { type: 'string' },
    members: { type: 'string', default: '3' },
    pin: { type: 'string' },
    'min-txns': { type: 'string', default: '50' },
  },
});
const repo = fileURLToPath(new URL('..', import.meta.url));
const SAMPLE_MS = 250;
/** Intervals with fewer txns than this are too short to class (one client's 1x1 on a busy machine: lower it). */
const MIN_TXNS = Number(o['min-txns']);
const ids = Array.from({ length: Number(o.members) }, (_, i) => i + 1);
if (ids.length < 3 || ids.length % 2 === 0) throw new Error(`--members ${o.members}: an odd number, 3 or more`);
if (o.pin && o.pin !== 'leader' && o.pin !== 'follower') throw new Error(`--pin ${o.pin}: leader or follower`);
const base = Number(o.ports);
const client = (i) => base + i;
const profDir = o['cpu-prof'] && path.resolve(o['cpu-prof']);

const { procs, stopAll } = startMembers({
  ids, base, dir: o.dir, zabBin: path.join(repo, 'packages/server/dist/bin/zkserver.js'), cfg: o.cfg.split(',').filter(Boolean),
  nodeArgs: (i) => (profDir ? ['--cpu-prof', '--cpu-prof-dir', profDir, '--cpu-prof-name', `node-${i}.cpuprofile`] : []),
});
const modes = await waitForLeader(ids.map(client), stopAll);
const leader = modes.indexOf('leader');
const roleOf = (m) => (m === leader ? 'leader' : 'follower');
const TICK_MS = 10; // USER_HZ is 100 on Linux
const cpuMs = (pid) => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12])) * TICK_MS;
};
const syscw = (pid) => Number(/syscw: (\d+)/.exec(readFileSync(`/proc/${pid}/io`, 'utf8'))[1]);
/** Voluntary context switches of every thread of the process (a thread gone meanwhile is left out). */
const vcs = (pid) => {
  let n = 0;
  for (const t of readdirSync(`/proc/${pid}/task`)) {
    try {
      n += Number(/voluntary_ctxt_switches:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/task/${t}/status`, 'utf8'))[1]);
    } catch {
      // the thread exited between the listing and the read
    }
  }
  return n;
};
const pinned = o.pin === 'leader' ? [leader] : o.pin === 'follower' ? [modes.findIndex((m, k) => k !== leader)] : ids.map((i) => i - 1);

const gen = spawn(process.execPath, [path.join(repo, 'packages/bench/bin/zab-bench.js'), 'run', '--hosts', pinned.map((m) => `127.0.0.1:${client(m + 1)}`).join(','), '--workload', o.workload,
  '--sessions', o.sessions, '--inflight', o.inflight, '--size', o.size, '--duration', o.duration, '--warmup', o.warmup, '--quiet'], { stdio: ['ignore', 'inherit', 'inherit'] });
const samples = [];
let running = true;
gen.once('exit', () => (running = false));
while (running) {
  const srvr = await fourLetter(client(leader + 1), 'srvr');
  const zxid = /Zxid: (0x[0-9a-f]+)/.exec(srvr);
  const nodes = /Node count: (\d+)/.exec(srvr);
  try {
    if (zxid && nodes) {
      samples.push({ us: Number(process.hrtime.bigint() / 1000n), txns: Number(BigInt(zxid[1]) & 0xffffffffn), nodes: Number(nodes[1]),
        cpu: procs.map((p) => cpuMs(p.pid)), v: procs.map((p) => vcs(p.pid)), w: procs.map((p) => syscw(p.pid)), gen: cpuMs(gen.pid) });
    }
  } catch {
    // the generator exited between the check and the read
  }
  await sleep(SAMPLE_MS);
}
await stopAll();

const rows = {};
for (let k = 1; k < samples.length; k++) {
  const a = samples[k - 1];
  const b = samples[k];
  const txns = b.txns - a.txns;
  const dn = b.nodes - a.nodes;
  if (txns < MIN_TXNS) continue;
  const kind = dn === txns ? 'create' : dn === -txns ? 'delete' : dn === 0 ? 'no znode count change' : null;
  if (!kind) continue;
  const r = (rows[kind] ??= { txns: 0, s: 0, cpu: ids.map(() => 0), v: ids.map(() => 0), w: ids.map(() => 0), gen: 0, intervals: [] });
  r.txns += txns;
  r.s += (b.us - a.us) / 1e6;
  r.gen += b.gen - a.gen;
  r.intervals.push([a.us, b.us]);
  for (const m of ids.keys()) {
    r.cpu[m] += b.cpu[m] - a.cpu[m];
    r.v[m] += b.v[m] - a.v[m];
    r.w[m] += b.w[m] - a.w[m];
  }
}
for (const [kind, r] of Object.entries(rows)) {
  const per = (x) => (x / r.txns).toFixed(3);
  console.log(`${kind}: ${r.txns} txns in ${r.s.toFixed(1)} s (${Math.round(r.txns / r.s)}/s)`);
  console.log(`  CPU ms/txn   ${ids.map((i, m) => `${roleOf(m)} ${i}: ${per(r.cpu[m])}`).join('  ')}  all: ${per(r.cpu.reduce((x, y) => x + y))}  zab-bench: ${per(r.gen)}`);
  console.log(`  vol cs/txn   ${ids.map((i, m) => `${roleOf(m)} ${i}: ${per(r.v[m])}`).join('  ')}`);
  console.log(`  syscw/txn    ${ids.map((i, m) => `${roleOf(m)} ${i}: ${per(r.w[m])}`).join('  ')}`);
}

if (profDir) {
  // The profiles cut to the intervals of the workload's own kind (setData: no count change).
  const want = rows[{ create: 'create', delete: 'delete' }[o.workload] ?? 'no znode count change'];
  for (const [m, i] of ids.entries()) {
    const prof = JSON.parse(readFileSync(path.join(profDir, `node-${i}.cpuprofile`), 'utf8'));
    const inside = (t) => want?.intervals.some(([from, to]) => t >= from && t < to);
    const samplesOut = [];
    const deltas = [];
    let t = prof.startTime;
    let last = null;
    for (let k = 0; k < prof.samples.length; k++) {
      t += prof.timeDeltas[k];
      if (!inside(t)) continue;
      deltas.push(prof.timeDeltas[k]); // the gaps between intervals are left out
      last = t;
      samplesOut.push(prof.samples[k]);
    }
    const cut = { ...prof, samples: samplesOut, timeDeltas: deltas, startTime: want?.intervals[0][0] ?? prof.startTime, endTime: last ?? prof.startTime };
    writeFileSync(path.join(profDir, `${roleOf(m)}-${i}.cpuprofile`), JSON.stringify(cut));
  }
}
