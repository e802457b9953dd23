// The checks a finished run goes through that do not depend on where it ran: the chaos suite's
// real members and the member simulator (@zab/member-sim) both call these.
import type { Anomalies } from './anomalies.js';
import { checkHolders } from './holders.js';
import { checkRegisters, type RegisterFigures } from './registers.js';
import { checkSequence, checkWatcher } from './sequence.js';
import { dataOf, firstDifference, sameDump, type TreeDump } from './trees.js';
import type { History, OpRecord } from '../run/history.js';

/** Where a workload keeps what its clients check: the registers, the sequence parent, the lock and the owned node. */
export interface WorkloadPaths {
  readonly registers: readonly string[];
  readonly sequenceParent: string;
  readonly lock: string;
  readonly owner: string;
}

/**
 * The clients' history against the end state: each register's writes, CAS and reads
 * linearizable; sequence numbers (and each watcher's view of them); never two holders of the
 * lock or of the owned node. `sequenceChildren` are the sequence parent's children at the end.
 */
export function checkClients(
  h: History,
  paths: WorkloadPaths,
  finalVersions: ReadonlyMap<string, number>,
  sequenceChildren: ReadonlyMap<string, string>,
  anomalies: Anomalies,
  originUs: number,
): { registers: RegisterFigures; lostWrites: number } {
  const registers = checkRegisters(h.ops, paths.registers, finalVersions, anomalies, originUs);
  const seq = checkSequence(h.ops, paths.sequenceParent, sequenceChildren, anomalies);
  for (const [client, role] of h.roles) if (role === 'watcher') checkWatcher(client, h.ops, h.watches, h.states, h.watchRegistrations, paths.sequenceParent, sequenceChildren, anomalies);
  checkHolders(paths.lock, h.ops, 'lockAcquire', 'lockRelease', h.states, h.locksLost, anomalies);
  checkHolders(paths.owner, h.ops, 'own', 'disown', h.states, [], anomalies);
  return { registers, lostWrites: registers.lostWrites + seq.lostWrites };
}

/**
 * Each member's persistent znodes after every member was killed and restarted (`after`)
 * against what they held before: a member that lost a node or its data lost a write; one that
 * kept every node and its data but not a stat (a version, cversion, zxid) diverged. Returns
 * the number of members that lost writes.
 */
export function checkRestart(before: TreeDump, after: ReadonlyMap<number, TreeDump>, anomalies: Anomalies): number {
  let lost = 0;
  const dataOnly = (x: TreeDump) => new Map([...x].map(([p, v]) => [p, dataOf(v)]));
  for (const [id, now] of after) {
    if (sameDump(before, now)) continue;
    const line = `member ${id} after every member was killed and restarted: ${firstDifference(before, now)}`;
    if (sameDump(dataOnly(before), dataOnly(now))) {
      anomalies.add('divergent-members', line);
    } else {
      lost++;
      anomalies.add('lost-write', line);
    }
  }
  return lost;
}

/** A history's ops by outcome. */
export function countOutcomes(ops: readonly OpRecord[]): { total: number; ok: number; fail: number; info: number } {
  const counts = { total: ops.length, ok: 0, fail: 0, info: 0 };
  for (const o of ops) counts[o.outcome]++;
  return counts;
}
