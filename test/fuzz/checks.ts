// What must hold after a fuzz run, checked on the real processes: every member still the process
// it was (same pid, never exited), its log free of errors and elections, every acknowledged write
// on every member, and every member's tree the same.
import { readFile, stat } from 'node:fs/promises';
import { createClient, type ZooKeeperClient } from '@zab/client';
import type { Ensemble, Member } from '../support/ensemble.js';
import { SUPER_PASSWORD, fourLetter } from '../support/launch.js';
import { diffTrees, readTreeWith, superSession } from '../support/tree-reader.js';
import { waitFor } from '../support/wait.js';
import type { GoodClients } from './good-clients.js';

/** The resident set of a process, in KiB, from /proc. */
export async function rssKb(pid: number | undefined): Promise<number | undefined> {
  if (pid === undefined) return undefined;
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(await readFile(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

export async function logSize(m: Member): Promise<number> {
  try {
    return (await stat(m.logFile)).size;
  } catch {
    return 0;
  }
}

export interface LogFindings {
  /** Lines that mean trouble: errors, fatal, anything that is not a log record (a stack trace). */
  problems: string[];
  /** Times the member went LOOKING or settled an election. */
  elections: number;
  /** Warnings by message, for the report. */
  warnings: Record<string, number>;
}

/** Reads a member's log from `fromByte` on. zab logs pino JSON; ZooKeeper plain lines. */
export async function scanLog(m: Member, kind: 'zab' | 'zookeeper', fromByte: number): Promise<LogFindings> {
  const found: LogFindings = { problems: [], elections: 0, warnings: {} };
  let text: string;
  try {
    text = (await readFile(m.logFile)).subarray(fromByte).toString('utf8');
  } catch {
    return found;
  }
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    if (kind === 'zookeeper') {
      if (/\bERROR\b/.test(line) && found.problems.length < 20) found.problems.push(line.slice(0, 300));
      if (/LOOKING|LEADING -|FOLLOWING -/.test(line)) found.elections++;
      continue;
    }
    let rec: { level?: number; msg?: string };
    try {
      rec = JSON.parse(line);
    } catch {
      if (found.problems.length < 20) found.problems.push(`not a log record: ${line.slice(0, 300)}`);
      continue;
    }
    if ((rec.level ?? 0) >= 50 && found.problems.length < 20) found.problems.push(line.slice(0, 300));
    if (rec.msg === 'LOOKING for a leader' || rec.msg?.startsWith('election settled')) found.elections++;
    if (rec.level === 40 && rec.msg) found.warnings[rec.msg] = (found.warnings[rec.msg] ?? 0) + 1;
  }
  return found;
}

async function superClient(m: Member): Promise<ZooKeeperClient> {
  const c = createClient(`127.0.0.1:${m.clientPort}`, { sessionTimeoutMs: 10_000, requestTimeoutMs: 30_000 });
  await c.connected();
  await c.addAuth('digest', `super:${SUPER_PASSWORD}`);
  return c;
}

/** Every acknowledged write of the good clients, read on every member after a sync. */
export async function missingWrites(ensemble: Ensemble, good: GoodClients): Promise<string[]> {
  const missing: string[] = [];
  for (const m of ensemble.members.filter((x) => x.running)) {
    const c = await superClient(m);
    try {
      await c.sync('/');
      const paths = [...good.acked.keys()];
      for (let i = 0; i < paths.length; i += 500) {
        await Promise.all(
          paths.slice(i, i + 500).map(async (p) => {
            const want = [good.acked.get(p)!, ...(good.uncertain.get(p) ?? [])];
            const got = await c.getData(p).then(
              (r) => r.data?.toString() ?? '',
              (e: Error) => `(${e.name})`,
            );
            if (!want.includes(got) && missing.length < 20) missing.push(`member ${m.id}: ${p} holds ${got}, acknowledged ${want[0]}`);
          }),
        );
      }
    } finally {
      await c.close();
    }
  }
  return missing;
}

async function zxids(members: Member[]): Promise<string[]> {
  return Promise.all(members.map((m) => fourLetter(m.clientPort, 'srvr', 5_000).then((t) => /Zxid: (\S+)/.exec(t)?.[1] ?? '?', () => '?')));
}

/**
 * Waits until every running member has applied the same zxid and it holds still across a dump
 * of every tree, then compares the trees. Returns the first difference, or null.
 */
export async function treeDifference(ensemble: Ensemble, deadlineMs: number): Promise<{ difference: string | null; nodes: number }> {
  const members = ensemble.members.filter((m) => m.running);
  // Opened before the first look: a new session is a txn, and the zxids must hold still across a read.
  const sessions = await Promise.all(members.map((m) => superSession(m.clientPort)));
  let last: string[] = [];
  const compare = async () => {
    const before = (last = await zxids(members));
    if (before.includes('?') || new Set(before).size !== 1) return undefined;
    const trees = await Promise.all(members.map((m, i) => readTreeWith(sessions[i]!, m.clientPort)));
    if ((await zxids(members)).join() !== before.join()) return undefined;
    const [first, ...rest] = trees;
    for (const [i, t] of rest.entries()) {
      const differences = diffTrees(first!, t, ownClock);
      if (differences.length > 0) return { difference: `member ${members[0]!.id} vs member ${members[i + 1]!.id}: ${differences[0]}`, nodes: first!.size };
    }
    return { difference: null, nodes: first!.size };
  };
  try {
    // A read that fails (a znode went between listing and reading it) is retried with the zxids.
    return await waitFor('every member to apply the same zxid', compare, { deadlineMs, pollMs: 200, retryErrors: true, explain: () => `zxids: ${last.join(', ')}` });
  } finally {
    await Promise.all(sessions.map((c) => c.close().catch(() => undefined)));
  }
}

/** Each member writes /zookeeper/config itself at start-up with its own clock (as ZooKeeper does): its times are the member's, everything else must agree. */
const ownClock = (path: string, field: string) => path === '/zookeeper/config' && (field === 'stat.ctime' || field === 'stat.mtime');
