import { checkRegister } from '../checker/linearizability.js';
import { describeOp, type RegisterOp, type RegisterState } from '../checker/register-model.js';
import { smallestFailingWindow } from '../checker/smallest-window.js';
import type { OpRecord } from '../run/history.js';
import type { Anomalies } from './anomalies.js';

/** Every register starts as this znode data at version 0. */
export const REGISTER_INIT = 'init';
const INITIAL: RegisterState = { value: REGISTER_INIT, version: 0 };

const isBadVersion = (err: string | undefined) => !!err && /BadVersion|code -103/.test(err);

/**
 * The ops on register `path` the linearizability search takes: setData without a version
 * (write), with one (compare-and-set), and sync+getData (read). Plain getData is left out:
 * ZooKeeper lets a follower answer it from behind (checked separately as stale reads).
 */
export function registerOps(ops: readonly OpRecord[], path: string): RegisterOp[] {
  const out: RegisterOp[] = [];
  for (const o of ops) {
    if (o.path !== path) continue;
    const base = { id: o.id, client: o.client, invokeUs: o.t0, completeUs: o.t1, outcome: o.outcome };
    if (o.op === 'syncGet') {
      if (o.outcome === 'ok') out.push({ ...base, f: 'read', readValue: o.result.value!, readVersion: o.result.version! });
    } else if (o.op === 'set' && o.expectedVersion === undefined) {
      if (o.outcome === 'ok') out.push({ ...base, f: 'write', value: o.value!, newVersion: o.result.version! });
      else if (o.outcome === 'info') out.push({ ...base, f: 'write', value: o.value! });
    } else if (o.op === 'set') {
      const cas = { ...base, f: 'cas' as const, value: o.value!, expectedVersion: o.expectedVersion };
      if (o.outcome === 'ok') out.push({ ...cas, newVersion: o.result.version! });
      else if (o.outcome === 'info') out.push(cas);
      else if (isBadVersion(o.err)) out.push(cas);
    }
  }
  return out;
}

export interface RegisterFigures {
  staleReads: number;
  lostWrites: number;
}

/**
 * Checks each register: linearizability of writes, CAS and sync+reads (printing the smallest
 * window that cannot be explained), per-session monotonic versions, plain reads that return a
 * state nobody wrote, and acknowledged versions above the final one (lost writes). Plain reads
 * behind an acknowledged write are counted as stale, not as anomalies.
 */
export function checkRegisters(
  ops: readonly OpRecord[],
  paths: readonly string[],
  finalVersions: ReadonlyMap<string, number>,
  anomalies: Anomalies,
  originUs: number,
): RegisterFigures {
  let staleReads = 0;
  let lostWrites = 0;
  for (const path of paths) {
    const reg = registerOps(ops, path);
    const verdict = checkRegister(reg, INITIAL);
    if (verdict.linearizable === 'unknown') {
      anomalies.add('unchecked', `${path}: linearizability search gave up after ${verdict.steps} steps (${reg.length} ops)`);
    } else if (!verdict.linearizable) {
      const w = smallestFailingWindow(reg, INITIAL);
      const lines = w ? w.ops.slice(0, 40).map((o) => `    ${describeOp(o, originUs)}`) : [];
      anomalies.add(
        'non-linearizable',
        `${path}: no linearization of its ${reg.length} ops; smallest window that cannot be explained` +
          `${w?.fromStart ? ' (from the initial state)' : ''}, ${w?.ops.length ?? '?'} ops:\n${lines.join('\n')}`,
      );
    }
    const writes = ops.filter((o) => o.path === path && o.op === 'set');
    const acked = writes.filter((o) => o.outcome === 'ok').sort((a, b) => a.t1 - b.t1);
    // Plain reads: stale (behind a write acknowledged before the read began) or phantom.
    const possible = new Set<string>([`${REGISTER_INIT}@0`]);
    for (const w of acked) possible.add(`${w.value}@${w.result.version}`);
    const maybeValues = new Set(writes.filter((o) => o.outcome === 'info').map((o) => o.value!));
    for (const r of ops) {
      if (r.path !== path || r.op !== 'get' || r.outcome !== 'ok') continue;
      const { value, version } = r.result;
      if (!possible.has(`${value}@${version}`) && !maybeValues.has(value!)) {
        anomalies.add('phantom-read', `${path}: ${r.client} read ${JSON.stringify(value)} v${version}, which no write produced (op #${r.id})`);
      }
      const known = maxVersionBefore(acked, r.t0);
      if (version! < known) staleReads++;
    }
    const finalVersion = finalVersions.get(path);
    if (finalVersion !== undefined) {
      for (const w of acked) {
        if (w.result.version! > finalVersion) {
          lostWrites++;
          anomalies.add('lost-write', `${path}: ${w.client}'s write #${w.id} was acknowledged as v${w.result.version}, the register ended at v${finalVersion}`);
        }
      }
    }
  }
  checkSessionOrder(ops, paths, anomalies);
  return { staleReads, lostWrites };
}

function maxVersionBefore(ackedByCompletion: readonly OpRecord[], t: number): number {
  let v = 0;
  for (const w of ackedByCompletion) {
    if (w.t1 >= t) break;
    v = Math.max(v, w.result.version!);
  }
  return v;
}

/** A session never sees a version of a register older than one it saw or wrote before. */
function checkSessionOrder(ops: readonly OpRecord[], paths: readonly string[], anomalies: Anomalies): void {
  const registers = new Set(paths);
  const seen = new Map<string, { version: number; op: number }>();
  const mine = ops.filter((o) => o.outcome === 'ok' && o.session && o.path && registers.has(o.path) && o.result.version !== undefined);
  for (const o of [...mine].sort((a, b) => a.t1 - b.t1)) {
    const key = `${o.session}|${o.path}`;
    const before = seen.get(key);
    const v = o.result.version!;
    if (before && v < before.version) {
      anomalies.add('session-order', `${o.path}: session ${o.session} (${o.client}) saw v${v} in op #${o.id} after v${before.version} in op #${before.op}`);
    }
    if (!before || v > before.version) seen.set(key, { version: v, op: o.id });
  }
}
