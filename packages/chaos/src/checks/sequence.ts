import type { OpRecord, StateEvent, WatchEvent, WatchRegistered } from '../run/history.js';
import type { Anomalies } from './anomalies.js';

/** NodeCreated, as WatcherEvent.type carries it. */
const NODE_CREATED = 1;

/** The sequence number ZooKeeper appends (10 digits) to a sequential node's name. */
export function sequenceOf(name: string): number | null {
  const m = /(\d{10})$/.exec(name);
  return m ? Number(m[1]) : null;
}

/**
 * Sequential creates under `parent` (one client per member): every acknowledged create is
 * there at the end holding its own data (else a lost write, or a number handed out twice),
 * numbers run from 0 without a gap, and no create the client was told failed took effect.
 * `children` is the final state: child name -> data.
 */
export function checkSequence(ops: readonly OpRecord[], parent: string, children: ReadonlyMap<string, string>, anomalies: Anomalies): { lostWrites: number } {
  let lostWrites = 0;
  const creates = ops.filter((o) => o.op === 'create' && o.path?.startsWith(parent + '/'));
  const byPath = new Map<string, OpRecord>();
  for (const o of creates) {
    if (o.outcome !== 'ok') continue;
    const name = o.result.path!.slice(parent.length + 1);
    const other = byPath.get(name);
    if (other) anomalies.add('sequence', `${o.result.path} was returned to two creates: #${other.id} (${other.client}) and #${o.id} (${o.client})`);
    byPath.set(name, o);
    const data = children.get(name);
    if (data === undefined) {
      lostWrites++;
      anomalies.add('lost-write', `${o.client}'s create #${o.id} was acknowledged as ${o.result.path}, which is gone`);
    } else if (data !== o.value) {
      anomalies.add('sequence', `${o.result.path} holds ${JSON.stringify(data)}, but was acknowledged to ${o.client}'s create of ${JSON.stringify(o.value)}`);
    }
  }
  const failed = new Set(creates.filter((o) => o.outcome === 'fail').map((o) => o.value));
  const numbers: number[] = [];
  for (const [name, data] of children) {
    const n = sequenceOf(name);
    if (n !== null) numbers.push(n);
    if (failed.has(data)) anomalies.add('failed-write-applied', `${parent}/${name} holds ${JSON.stringify(data)}, from a create its client was told failed`);
  }
  numbers.sort((a, b) => a - b);
  let skipped = 0;
  for (let i = 0; i < numbers.length; i++) if (numbers[i] !== i) skipped++;
  if (skipped) anomalies.add('sequence', `${parent}: ${numbers.length} children, but the numbers are not 0..${numbers.length - 1} (highest ${numbers.at(-1)})`, 1);
  return { lostWrites };
}

/**
 * The persistent recursive watcher on `parent`: between two connection losses it must see
 * each created child exactly once and in creation (zxid) order, i.e. consecutive sequence
 * numbers; across a loss it may miss some but never repeat or go back; and every number it
 * saw exists. If it was never disconnected it saw every child; if it is connected at the
 * end, it saw every child created since it last reconnected.
 */
export function checkWatcher(
  watcher: string,
  ops: readonly OpRecord[],
  events: readonly WatchEvent[],
  states: readonly StateEvent[],
  registrations: readonly WatchRegistered[],
  parent: string,
  children: ReadonlyMap<string, string>,
  anomalies: Anomalies,
): void {
  const mine = events.filter((e) => e.client === watcher && e.type === NODE_CREATED && e.path.startsWith(parent + '/'));
  const losses = states.filter((s) => s.client === watcher && s.state !== 'connected').map((s) => s.t);
  const existing = new Set([...children.keys()].map(sequenceOf).filter((n): n is number => n !== null));
  const creates = ops.filter((o) => o.op === 'create' && o.path?.startsWith(parent + '/'));
  let prev: { n: number; t: number } | null = null;
  for (const e of mine) {
    const n = sequenceOf(e.path);
    if (n === null) continue;
    if (!existing.has(n)) anomalies.add('watch', `${watcher} was told of ${e.path}, which does not exist`);
    if (prev) {
      const lostBetween = losses.some((t) => t > prev!.t && t <= e.t);
      if (n <= prev.n) anomalies.add('watch', `${watcher} saw ${e.path} after number ${prev.n}: repeated or out of zxid order`);
      else if (n !== prev.n + 1 && !lostBetween) anomalies.add('watch', `${watcher} saw number ${n} right after ${prev.n} without a disconnection: ${n - prev.n - 1} missed`);
    } else if (n !== 0 && !losses.some((t) => t <= e.t)) {
      anomalies.add('watch', `${watcher}'s first event is number ${n}: the ones before were missed`);
    }
    prev = { n, t: e.t };
  }
  // The last connected stretch: every create invoked in it was committed after the watch was
  // (re)registered, and the driver let the watcher catch up before closing it.
  const mineStates = states.filter((s) => s.client === watcher);
  const last = mineStates.at(-1);
  if (last && last.state !== 'connected') return;
  let since = losses.length ? mineStates.filter((s) => s.state === 'connected' && s.t > Math.max(...losses))[0]?.t ?? Infinity : -Infinity;
  // After an expiry the new session has no watch until the watcher registers it again: only
  // creates invoked after that must be seen (none, if it never managed to).
  const expiries = mineStates.filter((s) => s.state === 'expired').map((s) => s.t);
  if (expiries.length) {
    const lastExpiry = Math.max(...expiries);
    const again = registrations.filter((r) => r.client === watcher && r.t > lastExpiry).map((r) => r.t);
    if (!again.length) return;
    since = Math.max(since, Math.min(...again));
  }
  const seen = new Set(mine.map((e) => sequenceOf(e.path)));
  for (const o of creates) {
    if (o.outcome !== 'ok' || o.t0 <= since) continue;
    const n = sequenceOf(o.result.path!);
    if (n !== null && !seen.has(n)) anomalies.add('watch', `${watcher} never saw ${o.result.path}, created while it was connected (op #${o.id})`);
  }
}
