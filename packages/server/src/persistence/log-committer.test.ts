import { memoryStorage } from '@zab/storage';
import { describe, expect, it } from 'vitest';
import { LogCommitter } from './log-committer.js';
import type { TxnHeader } from '../tree/txn.js';

const hdr = (zxid: number): TxnHeader => ({ sessionId: 1n, cxid: zxid, zxid: BigInt(zxid), timeMs: 0, type: 2 });

describe('LogCommitter', () => {
  it('reports each durable append (its time and txns) before committing what it holds', async () => {
    const storage = memoryStorage();
    const events: string[] = [];
    const committer = new LogCommitter(storage.log, (h) => events.push(`commit ${h.zxid}`), (err) => events.push(`fatal ${err}`), {
      onSynced: (ms, txns) => {
        expect(ms).toBeGreaterThanOrEqual(0);
        events.push(`synced ${txns}`);
      },
    });
    for (const zxid of [1, 2, 3]) committer.propose(hdr(zxid), { kind: 'delete', path: `/n${zxid}` }, undefined);
    await committer.close();
    expect(events).toEqual(['synced 3', 'commit 1', 'commit 2', 'commit 3']);
    await storage.close();
  });
});
