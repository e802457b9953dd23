// Big values and the txn log's journal (a 4 MiB file): a standalone zab with jute.maxbuffer
// raised takes values of 1 MiB (a few fill the journal) and 5 MiB (bigger than the whole
// journal), and a multi of several 1 MiB values, is killed with SIGKILL right after the last
// acknowledgement and restarted on the same data directory: every acknowledged value must
// come back byte for byte, and the server must keep taking writes.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorCode } from '@zab/jute';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/launch.js';
import { kill9, startZab } from './standalone-process.js';
import { OPEN_ACL, RawClient, op } from '../support/raw-client.js';

const MIB = 1024 * 1024;
const MAX_BUFFER_BYTES = 12 * MIB;
const CONFIG = `tickTime=500\njute.maxbuffer=${MAX_BUFFER_BYTES}\n`;

const dir = mkdtempSync(join(tmpdir(), 'zab-big-values-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const connect = (port: number) => RawClient.connect({ port, maxBufferBytes: MAX_BUFFER_BYTES, requestTimeoutMs: 60_000 });

describe('big values and the journal', () => {
  it('keeps acknowledged values of 1 MiB and 5 MiB (bigger than the journal) and a multi of them across SIGKILL', async () => {
    const port = await freePort();
    /** path -> the value last acknowledged. */
    const acked = new Map<string, Buffer>();
    let proc = await startZab(dir, port, CONFIG);
    let c = await connect(port);
    for (let i = 0; i < 6; i++) {
      const value = randomBytes(MIB);
      const r = await c.create(`/one-${i}`, value, OPEN_ACL, 0);
      expect(r.err).toBe(ErrorCode.OK);
      acked.set(`/one-${i}`, value);
    }
    const huge = randomBytes(5 * MIB);
    expect((await c.create('/five', huge, OPEN_ACL, 0)).err).toBe(ErrorCode.OK);
    acked.set('/five', huge);
    // One txn of about 8 MiB: twice the journal.
    const ops = Array.from({ length: 8 }, (_, i) => ({ path: `/multi-${i}`, value: randomBytes(MIB) }));
    const multi = await c.multi(ops.map((o) => op.create(o.path, o.value, OPEN_ACL)));
    expect(multi.err).toBe(ErrorCode.OK);
    for (const o of ops) acked.set(o.path, o.value);
    // And small ones after the big ones, which go back to the journal.
    const small = randomBytes(100);
    expect((await c.setData('/one-0', small)).err).toBe(ErrorCode.OK);
    acked.set('/one-0', small);
    await kill9(proc);
    c.destroy();

    proc = await startZab(dir, port, CONFIG);
    c = await connect(port);
    for (const [path, value] of acked) {
      const r = await c.getData(path);
      expect(r.err, path).toBe(ErrorCode.OK);
      expect(r.body!.data!.equals(value), `${path}: the value read back differs from the one acknowledged`).toBe(true);
    }
    expect((await c.setData('/five', randomBytes(10))).err).toBe(ErrorCode.OK);
    c.destroy();
    await kill9(proc);
  }, 180_000);
});
