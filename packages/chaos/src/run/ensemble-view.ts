import { createClient, type ZooKeeperClient } from '@zab/client';
import { dumpTree, sameDump, type TreeDump } from '../checks/trees.js';
import { CLIENT_PORT, type Member } from '../env/members.js';

/** What a poll loop waits between looks at the members. */
const POLL_MS = 100;

const serving = (mode: string | null) => mode === 'leader' || mode === 'follower' || mode === 'observer';

/** The time timeToServe reads and waits on: wall-clock ms (Date.now()) and a pause between looks. */
export interface PollClock {
  nowMs(): number;
  sleep(ms: number): Promise<void>;
}

const WALL_CLOCK: PollClock = {
  nowMs: () => Date.now(),
  sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
};

/**
 * Waits until every member serves (srvr says leader, follower or observer) and exactly one
 * leads, and says how long that took: for each member from `sinceMs` (Date.now() time) or, if
 * later, from when its process first answered at all (so a restarted member's own start-up,
 * which says nothing about the ensemble, is not counted); the figure is the largest. A member
 * stops counting as serving only when it answers that it does not serve. Null when not all
 * served within `boundMs`. `clock` is the wall clock but in unit tests.
 */
export async function timeToServe(
  members: readonly Member[],
  sinceMs: number,
  boundMs: number,
  clock: PollClock = WALL_CLOCK,
): Promise<{ ms: number | null; modes: (string | null)[] }> {
  const up = new Map<number, number>();
  const served = new Map<number, number>();
  /** Each member's mode as it last answered (a probe that timed out changes nothing). */
  const modes: (string | null)[] = members.map(() => null);
  // The bound counts from the later of the heal and the member's start-up, as the figure does.
  const startDeadline = sinceMs + boundMs + 60_000;
  while (clock.nowMs() < startDeadline) {
    const probes = await Promise.all(members.map((m) => m.probe()));
    const now = clock.nowMs();
    members.forEach((m, i) => {
      if (probes[i]!.answered) modes[i] = probes[i]!.mode;
      if (probes[i]!.answered && !up.has(m.id)) up.set(m.id, now);
      // Only an answer says a member does not serve: a probe that timed out (a busy member on a
      // loaded machine) leaves what was last seen standing.
      if (serving(probes[i]!.mode)) {
        if (!served.has(m.id)) served.set(m.id, now);
      } else if (probes[i]!.answered) served.delete(m.id);
    });
    const oneLeader = modes.filter((x) => x === 'leader').length === 1;
    if (served.size === members.length && oneLeader) {
      return { ms: Math.max(...members.map((m) => served.get(m.id)! - Math.max(sinceMs, up.get(m.id) ?? sinceMs))), modes };
    }
    const overdue = members.some((m) => up.has(m.id) && !served.has(m.id) && now - Math.max(sinceMs, up.get(m.id)!) > boundMs);
    if (overdue || (up.size === members.length && now - sinceMs > boundMs + 60_000)) break;
    await clock.sleep(POLL_MS);
  }
  return { ms: null, modes };
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
