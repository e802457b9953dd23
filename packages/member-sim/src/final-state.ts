import { closesInLog, closesOfMajority, dumpEntry, type CommittedClose, type LoggedClose, type TreeDump } from '@zab/chaos';
import type { SimMember } from './sim-member.js';

/**
 * A member's persistent znodes (ephemerals rightly go as sessions expire), in the chaos suite's
 * dump format: path, then data and the stat fields every member must agree on. Empty for a
 * member that is down.
 */
export function persistentDump(member: SimMember | undefined): TreeDump {
  const out: TreeDump = new Map();
  const tree = member?.node?.server.tree;
  if (!tree) return out;
  for (const [path, n] of tree.walk()) {
    if (n.ephemeralOwner !== 0n) continue;
    out.set(path, dumpEntry(n.data?.toString() ?? '', n));
  }
  return out;
}

/**
 * The closeSession txns a majority of the members' logs hold (as the chaos suite counts them):
 * a committed txn was logged by a quorum, and a member's log can still hold a proposal no
 * quorum accepted (below a snapshot it was later synced with), so one log alone does not say
 * what committed.
 */
export async function committedCloses(members: readonly SimMember[]): Promise<CommittedClose[]> {
  const logged: LoggedClose[][] = [];
  for (const m of members) logged.push(await closesInLog(m.disk.log));
  return closesOfMajority(logged);
}
