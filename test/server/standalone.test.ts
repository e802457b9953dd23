// zab's own standalone behaviour that the compat and differential suites do not reach:
// four-letter words and their whitelist, start-up errors, session expiry, connection
// limits, unsupported operations, and backpressure on a client that does not read.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorCode, EventType, OpCode, RequestHeader, JuteWriter, PathWatchRequest } from '@zab/jute';
import { afterEach, describe, expect, it } from 'vitest';
import { ZAB_BIN, fourLetter, startServer, type RunningServer } from '../support/launch.js';
import { OPEN_ACL, RawClient, connectSocket, frame, encodeConnectRequest, waitForClose } from '../support/raw-client.js';

let server: RunningServer | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

describe('four-letter words', () => {
  it('answers the whitelisted ones with ZooKeeper layouts and refuses the rest', async () => {
    server = await startServer('zab', { cfg: { '4lw.commands.whitelist': 'ruok, srvr, mntr,cons,wchc,wchs' } });
    const c = await RawClient.connect({ port: server.port });
    await c.create('/w', null, OPEN_ACL, 0);
    await c.getData('/w', true);
    const srvr = await fourLetter(server.port, 'srvr');
    expect(srvr).toMatch(/^Zookeeper version: .*\nLatency min\/avg\/max: \d+\/[\d.]+\/\d+\nReceived: \d+\nSent: \d+\nConnections: 2\nOutstanding: 0\nZxid: 0x[0-9a-f]+\nMode: standalone\nNode count: 6\n$/);
    const mntr = await fourLetter(server.port, 'mntr');
    expect(mntr).toContain('zk_server_state\tstandalone\n');
    expect(mntr).toContain('zk_znode_count\t6\n');
    expect(mntr).toContain('zk_watch_count\t1\n');
    expect(await fourLetter(server.port, 'cons')).toMatch(new RegExp(`sid=0x${BigInt.asUintN(64, c.sessionId).toString(16)},lop=GETD`));
    expect(await fourLetter(server.port, 'wchc')).toBe(`0x${BigInt.asUintN(64, c.sessionId).toString(16)}\n\t/w\n\n`);
    expect(await fourLetter(server.port, 'wchs')).toBe('1 connections watching 1 paths\nTotal watches:1\n');
    const c2 = await RawClient.connect({ port: server.port });
    await c2.create('/w2', null, OPEN_ACL, 0);
    await c2.getData('/w', true);
    await c2.getData('/w2', true);
    expect(await fourLetter(server.port, 'wchs')).toBe('2 connections watching 2 paths\nTotal watches:3\n');
    expect(await fourLetter(server.port, 'stat')).toBe('stat is not executed because it is not in the whitelist.\n');
    c2.destroy();
    c.destroy();
  });
});

describe('start-up', () => {
  it('refuses a bad zoo.cfg with a message naming the line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'zab-badcfg-'));
    const cfg = join(dir, 'zoo.cfg');
    writeFileSync(cfg, `dataDir=${dir}\nclientPort=2181\ntickTime=soon\n`);
    const child = spawn(process.execPath, [ZAB_BIN, '--config', cfg], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(2);
    expect(err).toContain(`${cfg}:3: tickTime must be an integer, got "soon"`);
  });
});

describe('sessions', () => {
  it('expires a silent session, removes its ephemerals and refuses to resume it', async () => {
    server = await startServer('zab', { cfg: { tickTime: '250' } });
    const owner = await RawClient.connect({ port: server.port, sessionTimeoutMs: 500, autoPing: false });
    expect(owner.negotiatedTimeoutMs).toBe(500);
    await owner.create('/eph', null, OPEN_ACL, 1);
    const watcher = await RawClient.connect({ port: server.port });
    expect((await watcher.exists('/eph', true)).err).toBe(0);
    const deleted = await watcher.waitForNotification((n) => n.type === EventType.NodeDeleted && n.path === '/eph', 20_000);
    expect(deleted).toBeDefined();
    expect(await waitForClose(owner.socket, 10_000)).toBe('closed');
    const again = await RawClient.connect({ port: server.port, sessionId: owner.sessionId, passwd: owner.passwd, autoPing: false });
    expect(again.negotiatedTimeoutMs).toBe(0);
    again.destroy();
    watcher.destroy();
  });

  it('resumes a live session on a new connection and refuses a wrong password', async () => {
    server = await startServer('zab');
    const first = await RawClient.connect({ port: server.port });
    await first.create('/mine', null, OPEN_ACL, 1);
    const resumed = await RawClient.connect({ port: server.port, sessionId: first.sessionId, passwd: first.passwd });
    expect(resumed.sessionId).toBe(first.sessionId);
    expect(await waitForClose(first.socket, 10_000)).toBe('closed');
    expect((await resumed.exists('/mine')).err).toBe(0);
    const wrong = Buffer.from(resumed.passwd);
    wrong[0] ^= 0xff;
    const refused = await RawClient.connect({ port: server.port, sessionId: resumed.sessionId, passwd: wrong, autoPing: false });
    expect(refused.negotiatedTimeoutMs).toBe(0);
    refused.destroy();
    resumed.destroy();
  });
});

describe('connections', () => {
  it('limits connections per client address (maxClientCnxns)', async () => {
    server = await startServer('zab', { cfg: { maxClientCnxns: '2' } });
    const a = await RawClient.connect({ port: server.port });
    const b = await RawClient.connect({ port: server.port });
    const third = await connectSocket(server.port);
    expect(await waitForClose(third, 10_000)).toBe('closed');
    expect((await a.ping()).err).toBe(0);
    a.destroy();
    b.destroy();
  });

  it('answers unsupported operations with ZooKeeper codes', async () => {
    server = await startServer('zab');
    const c = await RawClient.connect({ port: server.port });
    const reconfig = await c.sendRequest(7, OpCode.reconfig, null, frame(new JuteWriter().int(7).int(OpCode.reconfig).ustring(null).ustring(null).ustring(null).long(-1n).toBuffer()));
    expect(reconfig.err).toBe(ErrorCode.RECONFIGDISABLED);
    const sasl = await c.sendRequest(8, OpCode.sasl, null, frame(new JuteWriter().int(8).int(OpCode.sasl).buffer(Buffer.alloc(0)).toBuffer()));
    expect(sasl.err).toBe(ErrorCode.AUTHFAILED);
    expect((await c.ping()).err).toBe(0);
    const unknown = await c.sendRequest(9, 999, null, frame(new JuteWriter().int(9).int(999).toBuffer()));
    expect(unknown.err).toBe(ErrorCode.UNIMPLEMENTED);
    expect(await waitForClose(c.socket, 10_000)).toBe('closed');
  });

  it('stops building replies for a client that does not read, and serves others meanwhile', async () => {
    server = await startServer('zab');
    const writer = await RawClient.connect({ port: server.port });
    await writer.create('/big', Buffer.alloc(512 * 1024, 7), OPEN_ACL, 0);
    // A raw session that asks for the big node 200 times and reads nothing.
    const slow = await connectSocket(server.port);
    slow.pause();
    slow.write(frame(encodeConnectRequest({ protocolVersion: 0, lastZxidSeen: 0n, timeOut: 30_000, sessionId: 0n, passwd: Buffer.alloc(16) })));
    const requests = 200;
    for (let i = 1; i <= requests; i++) {
      const w = new JuteWriter();
      RequestHeader.write(w, { xid: i, type: OpCode.getData });
      PathWatchRequest.write(w, { path: '/big', watch: false });
      slow.write(frame(w.toBuffer()));
    }
    // The good client keeps working while the slow one is stuck.
    for (let i = 0; i < 50; i++) expect((await writer.setData('/other-' + (i % 2), null)).err).toBe(ErrorCode.NONODE);
    const cons = await fourLetter(server.port, 'cons');
    const line = cons.split('\n').find((l) => l.includes(`:${slow.localPort}[`))!;
    const sent = Number(/sent=(\d+)/.exec(line)![1]);
    expect(sent).toBeLessThan(requests / 2);
    // Once it reads, every reply arrives.
    let bytes = 0;
    const need = requests * (512 * 1024);
    await new Promise<void>((resolve) => {
      slow.on('data', (d: Buffer) => {
        bytes += d.length;
        if (bytes >= need) resolve();
      });
      slow.resume();
    });
    expect(bytes).toBeGreaterThanOrEqual(need);
    slow.destroy();
    writer.destroy();
  }, 120_000);
});
