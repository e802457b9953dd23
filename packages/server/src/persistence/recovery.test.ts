import { OpCode } from '@zab/jute';
import { memoryStorage, type MemoryStorage } from '@zab/storage';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { DataTree } from '../tree/data-tree.js';
import { RecoveryError, phaseTimer, recover } from './recovery.js';
import { snapshotMeta, type StoredTxn } from './stored-state.js';

const log = pino({ level: 'silent' });
const OPEN = [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }];

/** A create of /n<zxid> (or the session's start) as the log stores it. */
function txn(zxid: bigint, kind: 'create' | 'createSession' = 'create'): StoredTxn {
  const hdr = { sessionId: 7n, cxid: Number(zxid), zxid, timeMs: 1000, type: kind === 'create' ? OpCode.create : OpCode.createSession };
  if (kind === 'createSession') return { zxid, hdr, txn: { kind, timeoutMs: 4000 } };
  return { zxid, hdr, txn: { kind, path: `/n${zxid}`, data: null, acl: OPEN, ephemeralOwner: 0n, parentCVersion: -1 } };
}

async function logged(storage: MemoryStorage, from: bigint, to: bigint): Promise<void> {
  const txns: StoredTxn[] = [];
  for (let z = from; z <= to; z++) txns.push(txn(z, z === 1n ? 'createSession' : 'create'));
  await storage.log.append(txns);
}

/** Saves a snapshot of the first `zxid` txns of the log, as the server's Snapshotter would. */
async function snapshot(storage: MemoryStorage, zxid: bigint): Promise<void> {
  const tree = new DataTree();
  for await (const t of storage.log.read(0n, zxid)) tree.apply((t as StoredTxn).hdr, (t as StoredTxn).txn);
  await storage.snapshots.save(zxid, tree.snapshotEntries(), snapshotMeta([[7n, 4000]]));
}

describe('recover', () => {
  it('rebuilds the newest snapshot plus the log after it, and the sessions', async () => {
    const storage = memoryStorage();
    await logged(storage, 1n, 10n);
    await snapshot(storage, 6n);
    const replayed: bigint[] = [];
    const r = await recover(storage, false, log, (t) => replayed.push(t.zxid));
    expect(r.snapshotZxid).toBe(6n);
    expect(replayed).toEqual([7n, 8n, 9n, 10n]);
    expect(r.replayedTxns).toBe(4);
    expect(r.tree.lastProcessedZxid).toBe(10n);
    expect(r.tree.getNode('/n10')).toBeDefined();
    expect(r.sessions).toEqual(new Map([[7n, 4000]]));
  });

  it('stops on a damaged log record, naming it, with the server\'s advice', async () => {
    const storage = memoryStorage();
    await logged(storage, 1n, 10n);
    const v = Buffer.from(storage.log.records.get(5n)!);
    v[v.length - 2]! ^= 0x55;
    storage.log.records.set(5n, v);
    const err = await recover(storage, false, log).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RecoveryError);
    expect((err as Error).message).toMatch(/^txn log record 0x5: checksum mismatch/);
    expect((err as Error).message).toContain('Restore the data directory from a backup');
  });

  it('stops on a gap in the log', async () => {
    const storage = memoryStorage();
    await logged(storage, 1n, 4n);
    await storage.log.append([txn(6n)]);
    await expect(recover(storage, false, log)).rejects.toThrow(/^txn log record 0x6: follows 0x4: the txns between are missing\. zab will not start over it/);
  });

  it('falls back to an older snapshot only while the log still reaches back to it', async () => {
    const storage = memoryStorage();
    await logged(storage, 1n, 30n);
    await snapshot(storage, 10n);
    await snapshot(storage, 20n);
    await storage.log.dropBefore(11n);
    const manifest = Buffer.from(storage.snapshots.manifests.get(20n)!);
    manifest[manifest.length - 1]! ^= 0xff;
    storage.snapshots.manifests.set(20n, manifest);
    const r = await recover(storage, false, log);
    expect(r.snapshotZxid).toBe(10n);
    expect(r.tree.lastProcessedZxid).toBe(30n);
    await storage.log.dropBefore(21n);
    await expect(recover(storage, false, log)).rejects.toThrow(RecoveryError);
  });

  it('drops a load that meets a damaged chunk part way and starts over from the older snapshot', async () => {
    const storage = memoryStorage();
    // Values of 100 KB: snapshot 0x14 spans several chunks, so the load has built part of
    // the tree from the good ones when it reaches the damaged last one.
    const big = Buffer.alloc(100_000, 7);
    const txns = [txn(1n, 'createSession')];
    for (let z = 2n; z <= 30n; z++) {
      const t = txn(z);
      txns.push({ ...t, txn: { ...t.txn, data: big } as StoredTxn['txn'] });
    }
    await storage.log.append(txns);
    const whole = new DataTree();
    for (const t of txns) whole.apply(t.hdr, t.txn);
    await snapshot(storage, 10n);
    await snapshot(storage, 20n);
    const ids = [...storage.snapshots.chunks.keys()].filter((k) => k.startsWith('20/')).sort((a, b) => Number(a.split('/')[2]) - Number(b.split('/')[2]));
    expect(ids.length).toBeGreaterThan(2);
    const last = Buffer.from(storage.snapshots.chunks.get(ids.at(-1)!)!);
    last[last.length >> 1]! ^= 0x55;
    storage.snapshots.chunks.set(ids.at(-1)!, last);
    const warnings: string[] = [];
    const warnLog = pino({ level: 'warn' }, { write: (line: string) => void warnings.push(JSON.parse(line).msg) });
    const r = await recover(storage, false, warnLog);
    expect(r.snapshotZxid).toBe(10n);
    expect(r.replayedTxns).toBe(20);
    expect(r.tree.nodeCount).toBe(whole.nodeCount);
    expect(r.tree.digest()).toBe(whole.digest());
    expect(warnings).toEqual([expect.stringMatching(new RegExp(`^skipping snapshot 0x14: snapshot 0x14 chunk ${ids.length - 1}: checksum mismatch`))]);
    // Once the log no longer reaches back to the older snapshot, nothing is served.
    await storage.log.dropBefore(21n);
    await expect(recover(storage, false, log)).rejects.toThrow(/^txn log: starts at 0x15 but replay must start right after snapshot 0xa/);
  });
});

describe('phaseTimer', () => {
  it('counts the page faults of memory first touched within the phase', () => {
    const end = phaseTimer('load');
    // 64 MiB: past glibc's largest mmap threshold, so fresh pages from the kernel, never reused ones.
    const fresh = Buffer.allocUnsafeSlow(64 * 1024 * 1024);
    fresh.fill(1);
    const phase = end();
    expect(phase.name).toBe('load');
    // 16,384 faults of 4 KiB pages; far fewer (32) where malloc asks for transparent huge pages.
    expect(phase.minorFaults).toBeGreaterThanOrEqual(32);
    expect(phase.cpuMs).toBeGreaterThanOrEqual(0);
    expect(fresh[fresh.length - 1]).toBe(1);
  });

  it('reports every phase of a recovery with its faults', async () => {
    const storage = memoryStorage();
    await logged(storage, 1n, 30n);
    await snapshot(storage, 10n);
    const state = await recover(storage, false, log);
    expect(state.phases.map((p) => p.name)).toEqual(['check', 'load', 'replay']);
    for (const p of state.phases) expect(Number.isInteger(p.minorFaults) && p.minorFaults >= 0).toBe(true);
  });
});
