import type { LockLostEvent, OpRecord, StateEvent } from '../run/history.js';
import type { Anomalies } from './anomalies.js';

interface Holding {
  client: string;
  fromUs: number;
  toUs: number;
  op: number;
}

/**
 * Mutual exclusion, for the lock recipe (acquire .. release) and for ephemeral ownership
 * (own .. disown). A client holds from the moment its acquire returned until the first of: it
 * began to release, it saw its connection drop or its session expire, or the recipe said the
 * lock was lost. (A client that has lost its connection must assume it lost the lock, as
 * ZooKeeper's recipes tell it to.) Two clients' holdings must never overlap.
 */
export function checkHolders(
  what: string,
  ops: readonly OpRecord[],
  acquireOp: string,
  releaseOp: string,
  states: readonly StateEvent[],
  lost: readonly LockLostEvent[],
  anomalies: Anomalies,
): number {
  const holdings: Holding[] = [];
  const byClient = new Map<string, OpRecord[]>();
  for (const o of ops) {
    if (o.op !== acquireOp && o.op !== releaseOp) continue;
    const list = byClient.get(o.client) ?? [];
    list.push(o);
    byClient.set(o.client, list);
  }
  for (const [client, list] of byClient) {
    list.sort((a, b) => a.t0 - b.t0);
    const ends = [
      ...states.filter((s) => s.client === client && s.state !== 'connected').map((s) => s.t),
      ...lost.filter((l) => l.client === client).map((l) => l.t),
    ].sort((a, b) => a - b);
    for (let i = 0; i < list.length; i++) {
      const a = list[i]!;
      if (a.op !== acquireOp || a.outcome !== 'ok') continue;
      const release = list.slice(i + 1).find((o) => o.op === releaseOp);
      const end = Math.min(release?.t0 ?? Infinity, ends.find((t) => t > a.t1) ?? Infinity);
      holdings.push({ client, fromUs: a.t1, toUs: end, op: a.id });
    }
  }
  holdings.sort((a, b) => a.fromUs - b.fromUs);
  // Sweep: each holding against the ones still open when it starts.
  const open: Holding[] = [];
  for (const h of holdings) {
    for (let i = open.length - 1; i >= 0; i--) if (open[i]!.toUs <= h.fromUs) open.splice(i, 1);
    for (const o of open) {
      if (o.client === h.client) continue;
      anomalies.add('two-holders', `${what}: ${o.client} (acquired in op #${o.op}) and ${h.client} (op #${h.op}) held it at once for ${((Math.min(o.toUs, h.toUs) - h.fromUs) / 1000).toFixed(1)} ms`);
    }
    open.push(h);
  }
  return holdings.length;
}
