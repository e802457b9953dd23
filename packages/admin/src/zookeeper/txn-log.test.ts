import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ACLList, ErrorCode, JuteWriter, OpCode } from '@zab/jute';
import { CONTAINER_OWNER, ttlOwner } from '@zab/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ZkFile } from './data-dir.js';
import { txnLogFile, txnRecord } from './test-support/log-file.js';
import { decodeTxnRecord } from './txn-decode.js';
import { readZkTxnLog } from './txn-log-reader.js';

const OPEN = [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }];
const SESSION = 0x1234n;
const hdr = (zxid: bigint, type: number) => ({ clientId: SESSION, cxid: 7, zxid, time: 1_700_000_000_000n, type });
const digest = (w: JuteWriter) => w.int(2).long(42n);

const create = (zxid: bigint, path: string, ephemeral: boolean, withDigest = true) =>
  txnRecord(hdr(zxid, OpCode.create), (w) => {
    w.ustring(path).buffer(Buffer.from(path));
    ACLList.write(w, OPEN);
    w.bool(ephemeral).int(-1);
    if (withDigest) digest(w);
  });

describe('ZooKeeper txn records', () => {
  it('decode into zab txns with the digest after them', () => {
    const t = decodeTxnRecord(create(5n, '/e', true));
    expect(t.hdr).toEqual({ sessionId: SESSION, cxid: 7, zxid: 5n, timeMs: 1_700_000_000_000, type: OpCode.create });
    expect(t.txn).toEqual({ kind: 'create', path: '/e', data: Buffer.from('/e'), acl: OPEN, ephemeralOwner: SESSION, parentCVersion: -1 });
    expect(t.digest).toEqual({ version: 2, treeDigest: 42n });
    const ttl = decodeTxnRecord(txnRecord(hdr(6n, OpCode.createTTL), (w) => { w.ustring('/t').buffer(null); ACLList.write(w, OPEN); w.int(3).long(5000n); }));
    expect(ttl.txn).toMatchObject({ kind: 'create', ephemeralOwner: ttlOwner(5000n), parentCVersion: 3, data: null });
    const ctr = decodeTxnRecord(txnRecord(hdr(7n, OpCode.createContainer), (w) => { w.ustring('/c').buffer(null); ACLList.write(w, OPEN); w.int(0); }));
    expect(ctr.txn).toMatchObject({ kind: 'create', ephemeralOwner: CONTAINER_OWNER });
  });

  it("keep ZooKeeper's readings of old layouts: closeSession without paths, create without parentCVersion", () => {
    const bare = decodeTxnRecord(txnRecord(hdr(8n, OpCode.closeSession), () => undefined));
    expect(bare).toMatchObject({ txn: { kind: 'closeSession', ephemerals: [] }, digest: null });
    const digestOnly = decodeTxnRecord(txnRecord(hdr(8n, OpCode.closeSession), digest));
    expect(digestOnly).toMatchObject({ txn: { kind: 'closeSession', ephemerals: [] }, digest: { version: 2 } });
    const listed = decodeTxnRecord(txnRecord(hdr(8n, OpCode.closeSession), (w) => { w.int(2).ustring('/a').ustring('/b'); digest(w); }));
    expect(listed.txn).toEqual({ kind: 'closeSession', ephemerals: ['/a', '/b'] });
    const v0 = decodeTxnRecord(txnRecord(hdr(9n, OpCode.create), (w) => { w.ustring('/old').buffer(null); ACLList.write(w, OPEN); w.bool(false); }));
    expect(v0.txn).toEqual({ kind: 'create', path: '/old', data: null, acl: OPEN, ephemeralOwner: 0n, parentCVersion: -1 });
  });

  it('decode a failed multi as its error txns', () => {
    const multi = decodeTxnRecord(
      txnRecord(hdr(10n, OpCode.multi), (w) => {
        w.int(2);
        w.int(OpCode.error).buffer(new JuteWriter().int(ErrorCode.OK).toBuffer());
        w.int(OpCode.error).buffer(new JuteWriter().int(ErrorCode.NONODE).toBuffer());
        digest(w);
      }),
    );
    expect(multi.txn).toEqual({ kind: 'multi', ops: [{ type: OpCode.error, txn: { kind: 'error', err: 0 } }, { type: OpCode.error, txn: { kind: 'error', err: ErrorCode.NONODE } }] });
    // As a real ZooKeeper 3.8 log held it: the failed op's error txn carrying its CreateTxn.
    const createBody = new JuteWriter().ustring('/app/f3').buffer(null);
    ACLList.write(createBody, OPEN);
    createBody.bool(false).int(-1);
    const carried = decodeTxnRecord(
      txnRecord(hdr(12n, OpCode.multi), (w) => {
        w.int(2);
        w.int(OpCode.error).buffer(createBody.toBuffer());
        w.int(OpCode.error).buffer(new JuteWriter().int(ErrorCode.NONODE).toBuffer());
        digest(w);
      }),
    );
    expect((carried.txn as { ops: unknown[] }).ops).toHaveLength(2);
    // Anything else with bytes left over is still refused.
    expect(() =>
      decodeTxnRecord(
        txnRecord(hdr(13n, OpCode.multi), (w) => {
          w.int(1);
          w.int(OpCode.delete).buffer(new JuteWriter().ustring('/a').int(7).toBuffer());
          digest(w);
        }),
      ),
    ).toThrow('op 0 of the multi has 4 unexpected bytes');
    expect(() => decodeTxnRecord(txnRecord(hdr(11n, 99), () => undefined))).toThrow('unknown txn type 99');
  });
});

describe('ZooKeeper txn log files', () => {
  let dir: string;
  const records = [create(1n, '/a', false), create(2n, '/b', false), create(3n, '/c', true)];
  const good = txnLogFile(records);
  const second = 16 + 8 + 4 + records[0]!.length + 1;
  beforeAll(async () => void (dir = await mkdtemp(path.join(os.tmpdir(), 'zab-admin-log-'))));
  afterAll(() => rm(dir, { recursive: true, force: true }));

  async function readAll(bytes: Buffer) {
    const p = path.join(dir, `log.${Math.random().toString(16).slice(2, 8)}`);
    await writeFile(p, bytes);
    const file: ZkFile = { path: p, name: path.basename(p), zxid: 1n, compression: 'none' };
    const out = [];
    for await (const t of readZkTxnLog(file)) out.push(t);
    return { p, out };
  }

  it('reads every record up to the pre-allocated zeros, with where each was', async () => {
    const { out } = await readAll(good);
    expect(out.map((t) => t.hdr.zxid)).toEqual([1n, 2n, 3n]);
    expect(out[1]!.offset).toBe(second);
    expect((await readAll(good.subarray(0, good.length - 4096))).out.length).toBe(3); // no padding at all
  });

  it('names the file and offset of a flipped byte, a damaged length, a missing end mark, a cut record', async () => {
    const flipped = Buffer.from(good);
    flipped[second + 20] ^= 0x10;
    let r = readAll(flipped);
    await expect(r).rejects.toThrow(new RegExp(`at offset ${second}: checksum mismatch`));

    const zeroLength = Buffer.from(good);
    zeroLength.writeInt32BE(0, second + 8); // the second record now looks like the end...
    await expect(readAll(zeroLength)).rejects.toThrow(/non-zero bytes after the last record/); // ...but bytes follow

    const noMark = Buffer.from(good);
    noMark[second - 1] = 0x41;
    await expect(readAll(noMark)).rejects.toThrow(new RegExp(`at offset ${second - 1}: record at offset 16 does not end with 'B'`));

    r = readAll(good.subarray(0, second + 20));
    await expect(r).rejects.toThrow(new RegExp(`at offset ${second}: the file ends inside a txn record`));
  });
});
