import { OpCode, hex64 } from '@zab/jute';
import type { CommittedClose } from '@zab/chaos';
import type { SimMember } from './sim-member.js';

/**
 * A member's persistent znodes (ephemerals rightly go as sessions expire): path, then data and
 * the stat fields every member must agree on. Empty for a member that is down.
 */
export function persistentDump(member: SimMember | undefined): Map<string, string> {
  const out = new Map<string, string>();
  const tree = member?.node?.server.tree;
  if (!tree) return out;
  for (const [path, n] of tree.walk()) {
    if (n.ephemeralOwner !== 0n) continue;
    out.set(path, `${n.data?.toString() ?? ''}\u0000 v${n.version} cv${n.cversion} c${hex64(n.czxid)} m${hex64(n.mzxid)}`);
  }
  return out;
}

/**
 * The closeSession txns a majority of the members' logs hold: a committed txn was logged by a
 * quorum, and a member's log can still hold a proposal no quorum accepted (below a snapshot it
 * was later synced with), so one log alone does not say what committed.
 */
export async function committedCloses(members: readonly SimMember[]): Promise<CommittedClose[]> {
  const seen = new Map<string, { session: string; timeMs: number; members: number }>();
  for (const m of members) {
    const mine = new Set<string>();
    for await (const t of m.disk.log.read(0n)) {
      const hdr = t['hdr'] as { sessionId: bigint; timeMs: number; type: number } | undefined;
      if (hdr?.type !== OpCode.closeSession) continue;
      const key = `${t.zxid}|${hdr.sessionId}`;
      if (mine.has(key)) continue;
      mine.add(key);
      const e = seen.get(key) ?? { session: hex64(hdr.sessionId), timeMs: hdr.timeMs, members: 0 };
      e.members++;
      seen.set(key, e);
    }
  }
  const majority = Math.floor(members.length / 2) + 1;
  return [...seen.values()].filter((e) => e.members >= majority).map(({ session, timeMs }) => ({ session, timeMs }));
}
