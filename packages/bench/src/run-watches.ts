// Many watches, main thread: `keys` znodes, `sessions` sessions connected, the servers' memory
// read; then every session sets its share of `watches` data watches, and the memory is read
// again: the difference per watch is what holding a watch costs. Where the servers answer wchs,
// their own count of watches is reported beside ours.
import { nowMs } from './clock.js';
import { createKeys } from './control.js';
import { fourLetter, fourLetterNumber } from './four-letter.js';
import { valueOf } from './op-sources.js';
import { rssBytes } from './proc-stats.js';
import { addErrors, type ErrorCounts, type WatchResult } from './rpc.js';
import { mergeAll, type Measured } from './result.js';
import type { RunContext } from './run-context.js';
import { connectSessions } from './run-load.js';
import { keyPath } from './spec.js';

/** The servers' own count of watches (wchs "Total watches"), summed over the hosts; null if any does not say. */
async function serverWatchCount(ctx: RunContext): Promise<number | null> {
  let total = 0;
  for (const h of ctx.spec.hosts) {
    try {
      const n = fourLetterNumber(await fourLetter(h.host, h.port, 'wchs'), 'Total watches');
      if (n === null) return null;
      total += n;
    } catch {
      return null;
    }
  }
  return total;
}

export async function runWatches(ctx: RunContext): Promise<Measured> {
  const { spec, pool, control } = ctx;
  const pids = spec.serverPids;
  const metrics: Record<string, number> = {};
  const notes: string[] = [];
  const errors: ErrorCounts = {};
  ctx.progress.phase(`creating ${spec.keys} znodes`, 'znodes');
  await createKeys(control, (i) => keyPath(spec.rootPath, i), spec.keys, valueOf(spec.valueBytes));
  const c = await connectSessions(ctx);
  addErrors(errors, c.errors);

  const rssBefore = pids.map(rssBytes);
  ctx.progress.phase('setting watches', 'watches', { totals: () => pool.totals });
  const t0 = nowMs();
  const parts = await pool.call<WatchResult>('watch');
  const setMs = nowMs() - t0;
  const set = parts.reduce((a, p) => a + p.set, 0);
  for (const p of parts) addErrors(errors, p.errors);
  metrics['watchesSet'] = set;
  if (pids.length > 0) {
    const rssAfter = pids.map(rssBytes);
    const delta = rssAfter.map((r, i) => r - rssBefore[i]!);
    metrics['rssBeforeBytes'] = rssBefore[0]!;
    metrics['rssAfterBytes'] = rssAfter[0]!;
    metrics['rssPerWatchBytes'] = delta[0]! / Math.max(1, set);
    metrics['rssPerWatchBytesAllMembers'] = delta.reduce((a, b) => a + b, 0) / Math.max(1, set);
    metrics['rssDeltaBytesAllMembers'] = delta.reduce((a, b) => a + b, 0);
  } else {
    notes.push('no --server-pid: server memory not measured');
  }
  const reported = await serverWatchCount(ctx);
  if (reported !== null) metrics['serverReportedWatches'] = reported;
  else notes.push('wchs not answered (4lw.commands.whitelist): the servers\' own watch count not read');

  ctx.progress.phase('closing sessions', 'sessions');
  await pool.call('close');
  return { ops: set, windowS: setMs / 1000, errors, latency: mergeAll(parts.map((p) => p.latency)), phases: { connect: c.connect }, metrics, notes };
}
