import { OpCode, Perms } from '@zab/jute';
import { describe, expect, it } from 'vitest';
import { TailWindow } from './tail-window.js';
import { TXN_OVERHEAD_BYTES, txnBytes } from './txn-payload.js';

const OPEN = [{ perms: Perms.ALL, id: { scheme: 'world', id: 'anyone' } }];
const create = (zxid: bigint, dataBytes: number) => ({
  zxid,
  hdr: { sessionId: 1n, cxid: Number(zxid), zxid, timeMs: 1, type: OpCode.create },
  txn: { kind: 'create' as const, path: `/n${zxid}`, data: Buffer.alloc(dataBytes), acl: OPEN, ephemeralOwner: 0n, parentCVersion: -1 },
});

describe('TailWindow', () => {
  it('counts a txn as its objects cost, not only its data', () => {
    expect(txnBytes(create(7n, 100).txn)).toBe(TXN_OVERHEAD_BYTES + 2 * '/n7'.length + 100);
    expect(txnBytes({ kind: 'delete', path: '/n7' })).toBe(TXN_OVERHEAD_BYTES);
  });

  it('keeps the last txns within its byte bound, and says where the kept ones start', () => {
    const perTxn = txnBytes(create(100n, 100).txn); // /n100 .. /n999: every path 5 chars, every txn the same size
    const window = new TailWindow(1_000_000, 10 * perTxn);
    for (let z = 100n; z < 1000n; z++) window.push(create(z, 100));
    const { tail, base } = window.finish(99n);
    expect(tail.map((e) => e.zxid)).toEqual([990n, 991n, 992n, 993n, 994n, 995n, 996n, 997n, 998n, 999n]);
    expect(base).toBe(989n);
  });

  it('keeps at most its count of small txns', () => {
    const window = new TailWindow(3, Number.MAX_SAFE_INTEGER);
    for (let z = 1n; z <= 10n; z++) window.push(create(z, 0));
    expect(window.finish(0n).tail.map((e) => e.zxid)).toEqual([8n, 9n, 10n]);
  });

  it('keeps the same txns when told where the log ends, dropping the far ones as they come', () => {
    const e = (epoch: bigint, counter: bigint) => (epoch << 32n) | counter;
    // Epoch 1: counters 1..50; epoch 2 from counter `from` (a new epoch may start at 0 or 1) to `end`.
    const cases = [[40, 0, 29n, Infinity], [20, 0, 29n, Infinity], [30, 0, 29n, Infinity], [30, 1, 29n, Infinity], [29, 1, 29n, Infinity], [10, 1, 5n, Infinity], [25, 0, 29n, 12 * txnBytes(create(1n, 50).txn)]] as const;
    for (const [count, from, end, maxBytes] of cases) {
      const log = [...Array.from({ length: 50 }, (_, i) => create(e(1n, BigInt(i + 1)), 50)), ...Array.from({ length: Number(end) + 1 - from }, (_, i) => create(e(2n, BigInt(i + from)), 50))];
      const told = new TailWindow(count, maxBytes);
      const plain = new TailWindow(count, maxBytes);
      for (const t of log) {
        told.push(t, e(2n, end));
        plain.push(t);
      }
      const a = told.finish(0n);
      const b = plain.finish(0n);
      expect(a.tail.map((x) => x.zxid)).toEqual(b.tail.map((x) => x.zxid));
      expect(a.base).toBe(b.base);
    }
  });
});
