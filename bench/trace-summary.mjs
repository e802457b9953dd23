#!/usr/bin/env node
// Where one write's time goes, across an ensemble: reads the write-trace files that zab members
// write with ZAB_TRACE_WRITES=FILE (one per member) while ONE client writes ONE request at a time
// (zab-bench run --workload create --sessions 1 --inflight 1), and prints, for every step of
// the write path, the median time since the client's request reached its member.
//
//   ZAB_TRACE_WRITES=/tmp/trace-1 zkserver ...   (each member its own file)
//   node bench/trace-summary.mjs /tmp/trace-1 /tmp/trace-2 /tmp/trace-3
//
// A file's name labels its member's steps. Each request's steps are those from its
// `client-request` to the `client-reply` of the same member; a step seen twice in one request
// counts at its first time. Marks are on the monotonic clock every process on the machine shares.
import { readFileSync } from 'node:fs';
import path from 'node:path';

const files = process.argv.slice(2);
if (!files.length) {
  console.error('usage: node bench/trace-summary.mjs TRACE-FILE...');
  process.exit(2);
}

const marks = [];
for (const f of files) {
  const label = path.basename(f);
  for (const line of readFileSync(f, 'utf8').split('\n')) {
    const [t, event] = line.split(' ');
    if (!event || event.includes('PING')) continue;
    marks.push({ t: Number(t), who: label, event });
  }
}
marks.sort((a, b) => a.t - b.t);

/** One request: each step's first time after the request arrived, in ms. */
const requests = [];
let open = null;
for (const m of marks) {
  if (m.event === 'client-request') {
    open = { who: m.who, t0: m.t, steps: new Map() };
    continue;
  }
  if (!open) continue;
  const step = `${m.who} ${m.event}`;
  if (!open.steps.has(step)) open.steps.set(step, m.t - open.t0);
  if (m.event === 'client-reply' && m.who === open.who) {
    requests.push(open);
    open = null;
  }
}
if (!requests.length) {
  console.error('no complete request in these files (is ZAB_TRACE_WRITES set on every member, and did a client write?)');
  process.exit(1);
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};
const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((s.length * p) / 100))];
};

const byStep = new Map();
for (const r of requests) for (const [step, ms] of r.steps) (byStep.get(step) ?? byStep.set(step, []).get(step)).push(ms);
// Steps most requests went through, in the order of their median time.
const rows = [...byStep.entries()]
  .filter(([, xs]) => xs.length >= requests.length / 2)
  .map(([step, xs]) => ({ step, p50: median(xs), p90: pct(xs, 90), n: xs.length }))
  .sort((a, b) => a.p50 - b.p50);

console.log(`${requests.length} requests (client at ${requests[0].who}); ms since the request arrived, median and p90; + is the step's own median share`);
let prev = 0;
for (const r of rows) {
  console.log(`${r.p50.toFixed(3).padStart(8)} ${r.p90.toFixed(3).padStart(8)}  +${(r.p50 - prev).toFixed(3).padEnd(6)} ${r.step}`);
  prev = r.p50;
}

// The same requests, step by step along the path of a write through a follower: each step's
// own duration (median and p90 of the per-request differences, which, unlike differences of
// the medians above, add up request by request). The leader is the member that received a
// REQUEST; the client's member is the follower it reached the leader through.
const leader = [...new Set(marks.map((m) => m.who))].find((w) => marks.some((m) => m.who === w && m.event === 'recv-REQUEST'));
const member = requests[0].who;
if (leader && leader !== member) {
  const path = [
    [`${member} send-REQUEST`, 'follower: forward'],
    [`${leader} recv-REQUEST`, 'hop follower -> leader'],
    [`${leader} send-PROPOSAL`, 'leader: prep, propose'],
    [`${member} recv-PROPOSAL`, 'hop leader -> follower'],
    [`${member} log-write`, 'follower: until the log write starts'],
    [`${member} durable`, 'follower: log write + fsync'],
    [`${member} send-ACK`, 'follower: ACK'],
    [`${leader} send-COMMIT`, 'hop + leader: quorum'],
    [`${member} recv-COMMIT`, 'hop leader -> follower'],
    [`${member} client-reply`, 'follower: apply, reply'],
  ];
  console.log(`\nstep by step (client at ${member}, leader ${leader}): median and p90 of each request's own step, ms`);
  let from = null;
  for (const [step, label] of path) {
    const d = requests.map((r) => (r.steps.has(step) && (from === null || r.steps.has(from)) ? r.steps.get(step) - (from === null ? 0 : r.steps.get(from)) : null)).filter((x) => x !== null);
    if (d.length) console.log(`${median(d).toFixed(3).padStart(8)} ${pct(d, 90).toFixed(3).padStart(8)}  ${label}`);
    from = step;
  }
  // ZooKeeper's rule, kept here: the leader's own ack counts only once its log is durable.
  // How often that, not a follower's ACK, was what the commit waited for:
  const own = requests.filter((r) => r.steps.has(`${leader} durable`) && r.steps.has(`${leader} recv-ACK`));
  const late = own.map((r) => r.steps.get(`${leader} durable`) - r.steps.get(`${leader} recv-ACK`)).filter((x) => x > 0);
  const fsync = own.filter((r) => r.steps.has(`${leader} append`)).map((r) => r.steps.get(`${leader} durable`) - r.steps.get(`${leader} append`));
  const started = own.filter((r) => r.steps.has(`${leader} log-write`)).map((r) => r.steps.get(`${leader} log-write`) - r.steps.get(`${leader} append`));
  if (own.length) {
    console.log(`leader's own append to durable: ${median(fsync).toFixed(3)} ms median${started.length ? ` (${median(started).toFixed(3)} of it before the log write started)` : ''}; durable after the first ACK had arrived in ${late.length} of ${own.length} requests${late.length ? `, by ${median(late).toFixed(3)} ms median` : ''}`);
  }
}
