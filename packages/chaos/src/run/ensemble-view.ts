import { createClient, type ZooKeeperClient } from '@zab/client';
import { dumpTree, sameDump, type TreeDump } from '../checks/trees.js';
import { CLIENT_PORT, type Member } from '../env/members.js';

/** What a poll loop waits between looks at the members. */
const POLL_MS = 100;

const serving = (mode: string | null) => mode === 'leader' || mode === 'follower' || mode === 'observer';

/**
 * Waits until every member serves (srvr says leader, follower or observer) and exactly one
 * leads. Resolves with how long that took from `sinceMs` (Date.now() time), per member and
 * overall, or null for members that did not serve by the deadline.
 */
export async function waitAllServing(
  members: readonly Member[],
  sinceMs: number,
  deadlineMs: number,
): Promise<{ allMs: number | null; perMember: Map<number, number | null>; modes: (string | null)[] }> {
  const first = new Map<number, number | null>(members.map((m) => [m.id, null]));
  let modes: (string | null)[] = [];
  while (Date.now() - sinceMs < deadlineMs) {
    modes = await Promise.all(members.map((m) => m.mode()));
    const now = Date.now();
    members.forEach((m, i) => {
      if (serving(modes[i]!) && first.get(m.id) === null) first.set(m.id, now - sinceMs);
    });
    if (modes.every(serving) && modes.filter((x) => x === 'leader').length === 1) {
      return { allMs: now - sinceMs, perMember: first, modes };
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  return { allMs: null, perMember: first, modes };
}

/** A @zab/client session on one member (or all), from the driver's own address. */
export async function connectDriver(hosts: string, deadlineMs = 30_000): Promise<ZooKeeperClient> {
  const c = createClient(hosts, { sessionTimeoutMs: 10_000, requestTimeoutMs: 10_000 });
  const timer = new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no session on ${hosts} within ${deadlineMs} ms`)), deadlineMs));
  try {
    await Promise.race([c.connected(), timer]);
  } catch (e) {
    await c.close().catch(() => undefined);
    throw e;
  }
  return c;
}

export const memberHost = (m: Member) => `${m.spec.ip}:${CLIENT_PORT}`;

/** Dumps `root` from every member, through a session on that member alone. */
export async function dumpAll(members: readonly Member[], root: string): Promise<Map<number, TreeDump>> {
  const out = new Map<number, TreeDump>();
  for (const m of members) {
    const c = await connectDriver(memberHost(m));
    try {
      out.set(m.id, await dumpTree(c, root));
    } finally {
      await c.close().catch(() => undefined);
    }
  }
  return out;
}

/**
 * Dumps every member until all dumps agree (sessions closing and expiring settle meanwhile),
 * or the deadline passes; returns the last dumps either way.
 */
export async function dumpUntilAgreed(members: readonly Member[], root: string, deadlineMs: number): Promise<Map<number, TreeDump>> {
  const until = Date.now() + deadlineMs;
  let dumps = new Map<number, TreeDump>();
  for (;;) {
    try {
      dumps = await dumpAll(members, root);
      const all = [...dumps.values()];
      if (all.every((d) => sameDump(d, all[0]!))) return dumps;
    } catch {
      // A member not serving yet: look again.
    }
    if (Date.now() > until) return dumps;
    await new Promise((r) => setTimeout(r, 500));
  }
}
