import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { OpCode, hex64 } from '@zab/jute';
import { openStorage, type TxnLog } from '@zab/storage';
import type { Target } from '../env/members.js';
import type { CommittedClose } from './expiry.js';

/** A closeSession txn as one member's log holds it. */
export interface LoggedClose extends CommittedClose {
  zxid: bigint;
}


/**
 * The closeSession txns the ensemble committed, read from the members' txn logs once they are
 * stopped. A member's log can still hold a proposal no quorum accepted (a leader frozen or cut
 * off logs its own proposals first; a member later brought up to date by SNAP keeps such an
 * entry below the snapshot), so a close counts as committed only when a majority of the
 * members' logs hold it: a committed txn was logged by a quorum before it committed, and
 * nothing but a purge (off in these runs) removes a committed txn from a log.
 */
export async function committedCloses(target: Target, dataDirs: readonly string[]): Promise<CommittedClose[]> {
  const logged: LoggedClose[][] = [];
  for (const dir of dataDirs) logged.push(target === 'zab' ? await zabCloses(dir) : await zookeeperCloses(dir));
  return closesOfMajority(logged);
}

/** The closes a majority of the members' logs (`logged`, one list a member) hold. */
export function closesOfMajority(logged: readonly (readonly LoggedClose[])[]): CommittedClose[] {
  const seen = new Map<string, { close: LoggedClose; members: number }>();
  for (const closes of logged) {
    const unique = new Map(closes.map((c) => [`${c.zxid}|${c.session}`, c]));
    for (const [key, c] of unique) {
      const entry = seen.get(key) ?? { close: c, members: 0 };
      entry.members++;
      seen.set(key, entry);
    }
  }
  const majority = Math.floor(logged.length / 2) + 1;
  return [...seen.values()].filter((e) => e.members >= majority).map((e) => ({ session: e.close.session, timeMs: e.close.timeMs }));
}

/** The closeSession txns in a zab txn log (a @zab/storage log, on disk or simulated). */
export async function closesInLog(log: Pick<TxnLog, 'read'>): Promise<LoggedClose[]> {
  const out: LoggedClose[] = [];
  for await (const t of log.read(0n)) {
    const hdr = t['hdr'] as { sessionId: bigint; timeMs: number; type: number } | undefined;
    if (hdr?.type === OpCode.closeSession) out.push({ zxid: t.zxid, session: hex64(hdr.sessionId), timeMs: hdr.timeMs });
  }
  return out;
}

async function zabCloses(dataDir: string): Promise<LoggedClose[]> {
  const storage = await openStorage({ dataDir });
  try {
    return await closesInLog(storage.log);
  } finally {
    await storage.close();
  }
}

/**
 * ZooKeeper's txn log files (dataDir/version-2/log.*): a 16-byte header, then records of
 * crc (8), length (4), the txn (TxnHeader first: clientId 8, cxid 4, zxid 8, time 8, type 4)
 * and an end-of-record byte; zeros where the preallocated file has not been written yet.
 */
async function zookeeperCloses(dataDir: string): Promise<LoggedClose[]> {
  const dir = path.join(dataDir, 'version-2');
  const files = (await readdir(dir).catch(() => [] as string[])).filter((f) => f.startsWith('log.'));
  const out: LoggedClose[] = [];
  for (const f of files) {
    const buf = await readFile(path.join(dir, f));
    let at = 16;
    while (at + 12 <= buf.length) {
      const len = buf.readInt32BE(at + 8);
      if (len <= 0 || at + 12 + len + 1 > buf.length) break;
      const rec = at + 12;
      if (len >= 32 && buf.readInt32BE(rec + 28) === OpCode.closeSession) {
        out.push({ zxid: buf.readBigInt64BE(rec + 12), session: hex64(buf.readBigInt64BE(rec)), timeMs: Number(buf.readBigInt64BE(rec + 20)) });
      }
      at = rec + len + 1;
    }
  }
  return out;
}
