#!/usr/bin/env node
// Who waits, and where: every setData's latency by session and by the member its session is on
// (leader or follower), lined up with the members' write-path marks (ZAB_TRACE_WRITES) by the
// zxid each reply carries. For a tail that the bench's merged percentiles hide (the 1 MB values
// row: 16 sessions x 2 in flight, p99 ~3x its mean). Starts a 3-member ensemble (fsync on,
// each member's --trace-gc and log kept in --dir), writes for --warmup + --duration seconds, and
// prints, for the ops issued inside the measured window:
//   - latency by member (mean, p50, p99, max) and how many later-issued ops overtook each op
//     (0 everywhere when the ensemble serves its writes first come, first served);
//   - each op's time split: issue -> the leader's PROPOSAL -> the leader applies -> its own
//     member applies -> the client has the reply;
//   - the quorum messages' time on the wire and in the receiver's queue: a follower's ACK
//     (sent -> the leader took it), the leader's PROPOSAL and COMMIT (sent -> the follower took it);
//   - each follower's apply lag behind the leader, the worst of each second.
// --placement leader puts every session on the leader (no forwarded writes), follower on the
// follower of the lowest id; spread (the bench's) session i on member i % 3.
//
//   node bench/op-timeline.mjs [--size 1MB] [--sessions 16] [--inflight 2] [--keys 16]
//        [--duration 10] [--warmup 3] [--placement spread|leader|follower] [--ports 41000]
//        [--dir /tmp/op-timeline] [--zab-bin PATH] [--timeline]
//
// Marks are on the monotonic clock every process on the machine shares (performance.timeOrigin
// + performance.now()). Each figure here is an order or a share of one run: the machine's load
// moves the milliseconds, so compare placements or builds in alternating runs.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { BenchSession } from '../packages/bench/dist/session.js';
import * as req from '../packages/bench/dist/requests.js';
import { parseSize } from '../packages/bench/dist/options.js';
import { sleep, startMembers, waitForLeader } from './local-ensemble.mjs';

const { values: o } = parseArgs({
  options: {
    size: { type: 'string', default: '1MB' },
    sessions: { type: 'string', default: '16' },
    inflight: { type: 'string', default: '2' },
    keys: { type: 'string', default: '16' },
    duration: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '3' },
    placement: { type: 'string', default: 'spread' },
    ports: { type: 'string', default: '41000' },
    dir: { type: 'string', default: '/tmp/op-timeline' },
    'zab-bin': { type: 'string' },
    timeline: { type: 'boolean', default: false },
  },
});
if (!['spread', 'leader', 'follower'].includes(o.placement)) throw new Error(`--placement ${o.placement}: spread, leader or follower`);
const repo = fileURLToPath(new URL('..', import.meta.url));
const zabBin = o['zab-bin'] ?? path.join(repo, 'packages/server/dist/bin/zkserver.js');
const ids = [1, 2, 3];
const base = Number(o.ports);
const clientPort = (id) => base + id;
const SESSIONS = Number(o.sessions);
const INFLIGHT = Number(o.inflight);
const KEYS = Number(o.keys);
const WARMUP_MS = Number(o.warmup) * 1000;
const DURATION_MS = Number(o.duration) * 1000;
const now = () => performance.timeOrigin + performance.now();

const traceFile = (id) => path.join(o.dir, `trace-${id}`);
// Output lines stamped on the shared clock, so GC pauses and log lines line up with the marks.
const { procs, stopAll } = startMembers({
  ids, base, dir: o.dir, zabBin, logLevel: 'info', stamp: true, nodeArgs: () => ['--trace-gc'],
  env: (id) => ({ ZAB_TRACE_WRITES: traceFile(id) }), logFile: (id) => path.join(o.dir, `member-${id}.log`),
});
process.on('uncaughtException', (e) => {
  console.error(e);
  for (const p of procs) if (p.exitCode === null) p.kill('SIGKILL');
  process.exit(1);
});
const modes = await waitForLeader(ids.map(clientPort), stopAll);
const leader = modes.indexOf('leader') + 1;
const firstFollower = ids.find((id) => id !== leader);
const memberOf = (k) => (o.placement === 'leader' ? leader : o.placement === 'follower' ? firstFollower : ids[k % ids.length]);
const roleOf = (id) => `${id === leader ? 'leader' : 'follower'} ${id}`;

const sessions = [];
for (let k = 0; k < SESSIONS; k++) sessions.push(await BenchSession.open({ host: '127.0.0.1', port: clientPort(memberOf(k)), sessionTimeoutMs: 30_000, connectTimeoutMs: 10_000 }));
const value = Buffer.alloc(parseSize(o.size), 'zab-bench ');
const call = (send) => new Promise((resolve, reject) => send((err) => (err ? reject(new Error(`setup: error ${err}`)) : resolve())));
await call((done) => req.create(sessions[0], '/op-timeline', Buffer.alloc(0), 0, done));
for (let key = 0; key < KEYS; key++) await call((done) => req.create(sessions[0], `/op-timeline/k${key}`, value, 0, done));

/** [session, issuedAt, repliedAt, err, zxid of the reply (bigint) or null] */
const ops = [];
let stopping = false;
const issue = (k) => {
  if (stopping || !sessions[k].isConnected) return;
  const t = now();
  req.setData(sessions[k], `/op-timeline/k${Math.floor(Math.random() * KEYS)}`, value, (err, frame) => {
    ops.push([k, t, now(), err, frame ? frame.readBigInt64BE(4) : null]);
    issue(k);
  });
};
const t0 = now();
for (let k = 0; k < SESSIONS; k++) for (let j = 0; j < INFLIGHT; j++) issue(k);
await sleep(WARMUP_MS + DURATION_MS);
stopping = true;
for (const deadline = Date.now() + 60_000; sessions.some((s) => s.inFlight > 0) && Date.now() < deadline; ) await sleep(50);
for (const s of sessions) await s.close(2000);
await stopAll(); // each member writes what is left of its trace as it shuts down
writeFileSync(path.join(o.dir, 'ops.json'), JSON.stringify({ t0, modes, members: sessions.map((_, k) => memberOf(k)), ops }, (_, v) => (typeof v === 'bigint' ? v.toString(16) : v)));

// ---- the marks: per member, event -> zxid -> first time ----
const marks = new Map(ids.map((id) => [id, new Map()]));
const applied = new Map(ids.map((id) => [id, []]));
for (const id of ids) {
  for (const line of readFileSync(traceFile(id), 'utf8').split('\n')) {
    const [t, event, z] = line.split(' ');
    if (!event || z === undefined || z === '-') continue;
    const zxid = BigInt(`0x${z}`);
    let byZxid = marks.get(id).get(event);
    if (!byZxid) marks.get(id).set(event, (byZxid = new Map()));
    if (!byZxid.has(zxid)) byZxid.set(zxid, Number(t));
    if (event === 'applied') applied.get(id).push([Number(t), zxid]);
  }
}
/** When member `id` had applied `zxid` (its first 'applied' mark at or past it). */
const appliedAt = (id, zxid) => applied.get(id).find(([, z]) => z >= zxid)?.[0];
const firstAtOrAfter = (id, event, zxid) => {
  let best;
  for (const [z, t] of marks.get(id).get(event) ?? []) if (z >= zxid && (best === undefined || t < best)) best = t;
  return best;
};

const fmt = (x) => (x === undefined ? '-' : Math.round(x).toLocaleString('en-US'));
function summary(xs) {
  if (!xs.length) return 'n=0';
  const s = [...xs].sort((a, b) => a - b);
  const q = (p) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  return `n=${s.length} mean ${fmt(s.reduce((a, b) => a + b, 0) / s.length)} p50 ${fmt(q(0.5))} p90 ${fmt(q(0.9))} p99 ${fmt(q(0.99))} max ${fmt(s.at(-1))}`;
}

const inWindow = ops.filter(([, t]) => t >= t0 + WARMUP_MS && t < t0 + WARMUP_MS + DURATION_MS);
const groups = ids.filter((id) => sessions.some((_, k) => memberOf(k) === id));
console.log(`members ${ids.map(roleOf).join(', ')}; placement ${o.placement}; ${inWindow.length} ops in ${o.duration} s (${(inWindow.length / (DURATION_MS / 1000)).toFixed(1)}/s, ${((inWindow.length * value.length) / 1e6 / (DURATION_MS / 1000)).toFixed(1)} MB/s)`);
console.log(`latency ms, all: ${summary(inWindow.map(([, t, e]) => e - t))}`);
for (const id of groups) {
  const mine = inWindow.filter(([k]) => memberOf(k) === id);
  // An op is overtaken by each op issued after it that was answered before it.
  const overtaken = mine.map(([, t, e]) => ops.reduce((n, [, t2, e2]) => n + (t2 > t && e2 < e ? 1 : 0), 0));
  console.log(`  sessions on ${roleOf(id)}: ${summary(mine.map(([, t, e]) => e - t))}; overtaken by later ops: ${summary(overtaken)}`);
}

console.log('where each op waited (ms, mean / p99): issue -> PROPOSAL -> leader applied -> its member applied -> reply in hand');
for (const id of groups) {
  const parts = [[], [], [], []];
  for (const [k, t, e, , zxid] of inWindow) {
    if (memberOf(k) !== id || zxid === null) continue;
    const proposed = firstAtOrAfter(leader, 'send-PROPOSAL', zxid);
    const leaderApplied = appliedAt(leader, zxid);
    const memberApplied = appliedAt(id, zxid);
    if (proposed === undefined || leaderApplied === undefined || memberApplied === undefined) continue;
    [proposed - t, leaderApplied - proposed, memberApplied - leaderApplied, e - memberApplied].forEach((x, i) => parts[i].push(x));
  }
  const ms = (xs) => {
    const s = [...xs].sort((a, b) => a - b);
    return s.length ? `${fmt(s.reduce((a, b) => a + b, 0) / s.length)} / ${fmt(s[Math.min(s.length - 1, Math.floor(0.99 * s.length))])}` : '-';
  };
  console.log(`  sessions on ${roleOf(id)}: ${parts.map(ms).join('  ->  ')}`);
}

console.log('quorum messages, sent -> taken by the receiver (ms):');
const transit = (from, sendEvent, to, recvEvent) => {
  const sent = marks.get(from).get(sendEvent) ?? new Map();
  const got = marks.get(to).get(recvEvent) ?? new Map();
  const xs = [];
  for (const [z, t] of sent) if (got.has(z)) xs.push(got.get(z) - t);
  return summary(xs);
};
for (const id of ids) {
  if (id === leader) continue;
  // Both followers ack most zxids: the leader's first receipt of a zxid may be the other's ACK,
  // so this ACK figure is a lower bound for the slower one.
  console.log(`  follower ${id} ACK -> leader: ${transit(id, 'send-ACK', leader, 'recv-ACK')}`);
  console.log(`  leader PROPOSAL -> follower ${id}: ${transit(leader, 'send-PROPOSAL', id, 'recv-PROPOSAL')}`);
  console.log(`  leader COMMIT -> follower ${id}: ${transit(leader, 'send-COMMIT', id, 'recv-COMMIT')}`);
}
console.log(`  leader PROPOSAL -> its COMMIT: ${transit(leader, 'send-PROPOSAL', leader, 'send-COMMIT')}`);

console.log('follower apply lag behind the leader, worst of each second of the run (ms):');
for (const id of ids) {
  if (id === leader) continue;
  const worst = new Map();
  for (const [t, z] of applied.get(leader)) {
    const when = appliedAt(id, z);
    if (when === undefined) continue;
    const sec = Math.floor((t - t0) / 1000);
    if (sec < 0) continue; // the keys' creation before the load
    worst.set(sec, Math.max(worst.get(sec) ?? 0, when - t));
  }
  console.log(`  follower ${id}: ${[...worst].map(([s, l]) => `${s}s ${fmt(l)}`).join(', ')}`);
}

if (o.timeline) {
  console.log('every op: issued s, answered s, session, member, latency ms');
  for (const [k, t, e] of [...ops].sort((a, b) => a[2] - b[2])) console.log(`  ${((t - t0) / 1000).toFixed(2)} ${((e - t0) / 1000).toFixed(2)} s${k} ${roleOf(memberOf(k))} ${fmt(e - t)}`);
}
console.log(`members' logs (with --trace-gc) and traces: ${o.dir}`);
