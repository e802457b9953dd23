// Idle sessions, main thread: the servers' CPU with no sessions (over the warm-up), then every
// session connects (the time until the last one is in), then the sessions stay idle, pinging,
// for the duration: the servers' CPU over that window and their resident memory at its end.
// Memory and CPU are read from /proc for spec.serverPids; the first pid is the member the
// sessions use when one host is given.
import { nowMs, sleepMs } from './clock.js';
import { clockTicksPerSecond, CpuWindow, rssBytes } from './proc-stats.js';
import type { Measured } from './result.js';
import type { RunContext } from './run-context.js';
import { connectSessions } from './run-load.js';

export async function runIdle(ctx: RunContext): Promise<Measured> {
  const { spec, pool } = ctx;
  const pids = spec.serverPids;
  const ticks = clockTicksPerSecond();
  const metrics: Record<string, number> = {};
  const notes: string[] = [];
  if (pids.length === 0) notes.push('no --server-pid: server memory and CPU not measured');

  const rssBefore = pids.map(rssBytes);
  if (spec.warmupS > 0 && pids.length > 0) {
    ctx.progress.phase('server CPU with no sessions', 's');
    const baseline = new CpuWindow(pids, ticks, nowMs());
    await sleepMs(spec.warmupS * 1000);
    const pct = baseline.percentOfCore(nowMs());
    metrics['baselineCpuPct'] = pct[0]!;
    metrics['baselineCpuPctAllMembers'] = pct.reduce((a, b) => a + b, 0);
  }

  const t0 = nowMs();
  const c = await connectSessions(ctx);
  metrics['connectAllMs'] = c.lastConnectedAtMs - t0;
  metrics['sessionsConnected'] = c.connected;

  ctx.progress.phase(`${c.connected} sessions idle`, 's');
  const cpu = pids.length > 0 ? new CpuWindow(pids, ticks, nowMs()) : undefined;
  await sleepMs(spec.durationS * 1000);
  if (cpu) {
    const pct = cpu.percentOfCore(nowMs());
    const rssAfter = pids.map(rssBytes);
    const delta = rssAfter.map((r, i) => r - rssBefore[i]!);
    metrics['idleCpuPct'] = pct[0]!;
    metrics['idleCpuPctAllMembers'] = pct.reduce((a, b) => a + b, 0);
    metrics['rssBeforeBytes'] = rssBefore[0]!;
    metrics['rssAfterBytes'] = rssAfter[0]!;
    metrics['rssPerSessionBytes'] = delta[0]! / c.connected;
    metrics['rssPerSessionBytesAllMembers'] = delta.reduce((a, b) => a + b, 0) / c.connected;
  }
  ctx.progress.phase('closing sessions', 'sessions');
  await pool.call('close');
  return { ops: c.connected, windowS: metrics['connectAllMs'] / 1000, errors: c.errors, latency: c.connect, phases: {}, metrics, notes };
}
