// The rows about what a server holds and how it recovers: idle sessions and many watches on one
// member (memory and CPU from /proc), N znodes (memory per member, disk, restart of every member
// after SIGKILL), and failover (the longest write gap while the leader is SIGKILLed).
import { readdirSync, lstatSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { nowMs } from '../clock.js';
import { rssBytes } from '../proc-stats.js';
import { runWorkload } from '../runner.js';
import { idleCpuPerThousand } from './cpu-per-op.js';
import { aFollower, atSizes, specFor, type Row, type RowContext } from './rows.js';
import type { CompareSettings } from './settings.js';

/** Bytes a directory tree takes on disk (allocated blocks, as du counts them). */
export function diskBytes(dir: string): number {
  let total = 0;
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name);
    const st = lstatSync(p);
    total += st.blocks * 512;
    if (st.isDirectory()) total += diskBytes(p);
  }
  return total;
}

/** The member the sessions use first, then the others: the pids idle and watches read. */
function pidsFrom(ctx: RowContext, first: ReturnType<typeof aFollower>): number[] {
  return [first.pid, ...ctx.cluster.members.filter((m) => m !== first && m.running).map((m) => m.pid)];
}

const n = (x: number) => x.toLocaleString('en-US');

/**
 * How long settledRss watches at most, and the steadiness it waits for. The window is longer
 * than the quiet a server may wait before it gives memory back (zab's second idle collection
 * comes six idle seconds after its first): a 5 s window ended before it on some members.
 */
const SETTLE = { maxS: 60, steadyS: 10, toleranceBytes: 2 * 1024 * 1024 };

/**
 * Each pid's RSS once the members have been left alone: sampled every second until no member's
 * RSS has fallen by more than 2 MB over the last 10 samples, for at most 60 s. A server that
 * gives back memory when idle (a JVM's periodic collection, zab's idle collection) shows it
 * here; right after a fill both still hold what the fill grew.
 */
export async function settledRss(pids: number[]): Promise<{ rss: number[]; afterS: number }> {
  const history: number[][] = [pids.map(rssBytes)];
  for (let s = 1; s <= SETTLE.maxS; s++) {
    await delay(1000);
    history.push(pids.map(rssBytes));
    if (history.length > SETTLE.steadyS) {
      const then = history[history.length - 1 - SETTLE.steadyS]!;
      const now = history.at(-1)!;
      if (now.every((r, i) => then[i]! - r <= SETTLE.toleranceBytes)) return { rss: now, afterS: s };
    }
  }
  return { rss: history.at(-1)!, afterS: SETTLE.maxS };
}

export function stateRows(s: CompareSettings): Row[] {
  return [
    ...atSizes('idle', s.idleSessions, 'sessions', (sessions, rowId, point) => ({
      id: rowId,
      base: 'idle',
      title: `${n(sessions)} idle sessions on one member`,
      ...(point ? { size: point } : {}),
      async run(ctx) {
        const member = aFollower(ctx);
        const r = await runWorkload(specFor(ctx, { workload: 'idle', sessions, hosts: [member.endpoint], serverPids: pidsFrom(ctx, member) }), {
          label: `${ctx.label} ${rowId}`,
        });
        const m = r.metrics;
        return {
          metrics: [
            { name: 'all connected', unit: 'ms', better: 'lower', value: m['connectAllMs'] ?? 0 },
            { name: 'RSS per session, that member', unit: 'B', better: 'lower', value: m['rssPerSessionBytes'] ?? 0 },
            { name: 'RSS per session, all members', unit: 'B', better: 'lower', value: m['rssPerSessionBytesAllMembers'] ?? 0 },
            { name: 'CPU while idle, all members', unit: '% of a core', better: 'lower', value: m['idleCpuPctAllMembers'] ?? 0 },
            {
              name: 'CPU while idle per 1,000 sessions, less CPU with none, all members',
              unit: 'ms/s',
              better: 'lower',
              value: idleCpuPerThousand(m['idleCpuPctAllMembers'] ?? 0, m['baselineCpuPctAllMembers'] ?? 0, m['sessionsConnected'] ?? 0),
            },
          ],
          notes: r.notes,
          detail: r,
        };
      },
    })),
    ...atSizes('watches', s.watches, 'watches', (watches, rowId, point) => ({
      id: rowId,
      base: 'watches',
      title: `${n(watches)} watches on one member (100 sessions)`,
      ...(point ? { size: point } : {}),
      async run(ctx) {
        const member = aFollower(ctx);
        const keys = Math.max(10_000, Math.ceil(watches / 100));
        const r = await runWorkload(
          specFor(ctx, { workload: 'watches', sessions: 100, keys, watches, hosts: [member.endpoint], serverPids: pidsFrom(ctx, member) }),
          { label: `${ctx.label} ${rowId}` },
        );
        const m = r.metrics;
        const notes = [...r.notes];
        if (m['serverReportedWatches'] !== undefined && m['serverReportedWatches'] !== m['watchesSet']) {
          notes.push(`the server counts ${m['serverReportedWatches']} watches, ${m['watchesSet']} were set`);
        }
        return {
          metrics: [
            { name: 'RSS per watch', unit: 'B', better: 'lower', value: m['rssPerWatchBytes'] ?? 0 },
            { name: 'watches set/s', unit: '/s', better: 'higher', value: r.opsPerSec },
          ],
          notes,
          detail: r,
        };
      },
    })),
    {
      id: 'znodes',
      base: 'znodes',
      title: `${n(s.znodes)} znodes of ${s.valueBytes} B`,
      async run(ctx) {
        const fillStartMs = nowMs();
        const fill = await runWorkload(
          specFor(ctx, { workload: 'create', maxOps: s.znodes, durationS: 24 * 3600, warmupS: 0, rootPath: '/zab-bench/znodes' }),
          { label: `${ctx.label} znodes fill` },
        );
        const fillS = (nowMs() - fillStartMs) / 1000;
        const count = (await ctx.leader.nodeCount()) ?? 0;
        await ctx.cluster.waitNodeCount(count);
        const rss = ctx.cluster.members.map((m) => rssBytes(m.pid));
        const settled = await settledRss(ctx.cluster.members.map((m) => m.pid));
        const disk = ctx.cluster.members.reduce((a, m) => a + diskBytes(m.dataDir), 0);
        process.stderr.write(`${ctx.label} znodes: ${n(count)} znodes on every member; SIGKILL all, restart\n`);
        await Promise.all(ctx.cluster.members.map((m) => m.stop('SIGKILL')));
        const restartAtMs = nowMs();
        ctx.cluster.startAll();
        await ctx.cluster.waitNodeCount(count);
        const restartMs = nowMs() - restartAtMs;
        return {
          metrics: [
            { name: 'RSS per member', unit: 'MB', better: 'lower', value: rss.reduce((a, b) => a + b, 0) / rss.length / 1e6 },
            { name: 'RSS per member, left idle until steady', unit: 'MB', better: 'lower', value: settled.rss.reduce((a, b) => a + b, 0) / settled.rss.length / 1e6 },
            { name: 'disk, all members', unit: 'MB', better: 'lower', value: disk / 1e6 },
            { name: 'SIGKILL all, restart: every member serving them', unit: 'ms', better: 'lower', value: restartMs },
          ],
          notes: fill.ops < s.znodes ? [`only ${fill.ops} of ${s.znodes} creates succeeded`] : [],
          detail: { fill, fillS, nodeCount: count, rssBytes: rss, settledRssBytes: settled.rss, settledAfterS: settled.afterS, diskBytes: disk, restartMs },
        };
      },
    },
    {
      id: 'failover',
      base: 'failover',
      title: 'failover: leader SIGKILLed under writes (8 sessions x 1 create)',
      async run(ctx) {
        if (ctx.cluster.members.length < 3) return { metrics: [], notes: ['failover needs an ensemble of 3 or more members'], detail: null };
        let killAtMs = 0;
        const r = await runWorkload(
          specFor(ctx, { workload: 'failover', sessions: 8, inFlight: 1, durationS: Math.max(10, s.durationS), rootPath: '/zab-bench/failover' }),
          {
            label: `${ctx.label} failover`,
            // Two seconds into the window, so the gap is measured from steady writes.
            onWindow: (w) =>
              setTimeout(() => {
                killAtMs = nowMs();
                void ctx.leader.stop('SIGKILL');
              }, Math.max(0, w.warmupEndMs + 2000 - nowMs())),
          },
        );
        const gapStartAfterKillMs = (r.metrics['maxGapStartMs'] ?? 0) - killAtMs;
        return {
          metrics: [
            { name: 'longest write gap, all sessions', unit: 'ms', better: 'lower', value: r.metrics['maxGapMs'] ?? 0 },
            { name: 'longest write gap, one session', unit: 'ms', better: 'lower', value: r.metrics['sessionMaxGapMs'] ?? 0 },
          ],
          notes: [`the longest gap began ${gapStartAfterKillMs.toFixed(1)} ms after the kill`, ...r.notes],
          detail: { ...r, killAtMs, gapStartAfterKillMs },
        };
      },
    },
  ];
}
