// zab-bench's own jute client against a real zab server: many requests in flight on one
// session, answered in order; notifications; pings that keep an idle session past its timeout;
// lost connections failing what is outstanding; a session resumed on a new connection.
import { CreateMode, ErrorCode, EventType } from '@zab/jute';
import { afterEach, describe, expect, it } from 'vitest';
import { BenchSession, SessionRefusedError } from '../../packages/bench/src/session.js';
import * as req from '../../packages/bench/src/requests.js';
import { startServer, type RunningServer } from '../support/launch.js';

let server: RunningServer | undefined;
const sessions: BenchSession[] = [];
afterEach(async () => {
  for (const s of sessions.splice(0)) s.destroy();
  await server?.stop();
  server = undefined;
});

async function open(port: number, extra: Partial<Parameters<typeof BenchSession.open>[0]> = {}): Promise<BenchSession> {
  const s = await BenchSession.open({ host: '127.0.0.1', port, sessionTimeoutMs: 10_000, connectTimeoutMs: 10_000, ...extra });
  sessions.push(s);
  return s;
}

/** Polls `cond` every 20 ms until it holds or the deadline passes. */
async function waitFor(cond: () => boolean, deadlineMs: number, what: string): Promise<void> {
  const until = Date.now() + deadlineMs;
  while (!cond()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('BenchSession', () => {
  it('keeps 500 requests in flight on one session and gets every reply, in order', async () => {
    server = await startServer('zab');
    const s = await open(server.port);
    const order: number[] = [];
    const errs: number[] = [];
    const value = Buffer.from('v');
    const all = Promise.all(
      Array.from(
        { length: 500 },
        (_, i) =>
          new Promise<void>((resolve) =>
            req.create(s, `/p${i}`, value, CreateMode.PERSISTENT, (err) => {
              order.push(i);
              errs.push(err);
              resolve();
            }),
          ),
      ),
    );
    // Every request is out before any reply can have come back.
    expect(s.inFlight).toBe(500);
    await all;
    expect(order).toEqual(Array.from({ length: 500 }, (_, i) => i));
    expect(errs.every((e) => e === ErrorCode.OK)).toBe(true);
    expect(s.inFlight).toBe(0);
    // The data is there, read back through the same pipelined path.
    const lengths = await Promise.all(
      Array.from({ length: 500 }, (_, i) => new Promise<number>((resolve) => req.getData(s, `/p${i}`, false, (err, frame, off) => resolve(err === ErrorCode.OK ? req.getDataLength(frame!, off) : err)))),
    );
    expect(lengths.every((n) => n === 1)).toBe(true);
    // An error code comes back as such, and the session goes on.
    const dup = await new Promise<number>((resolve) => req.create(s, '/p0', value, CreateMode.PERSISTENT, (err) => resolve(err)));
    expect(dup).toBe(ErrorCode.NODEEXISTS);
  });

  it('hands watch notifications to the caller', async () => {
    server = await startServer('zab');
    const heard: [number, string][] = [];
    const watcher = await open(server.port, { onNotification: (type, path) => heard.push([type, path]) });
    const writer = await open(server.port);
    await new Promise<void>((r) => req.create(writer, '/w', Buffer.from('a'), CreateMode.PERSISTENT, () => r()));
    await new Promise<void>((r) => req.getData(watcher, '/w', true, () => r()));
    await new Promise<void>((r) => req.setData(writer, '/w', Buffer.from('b'), () => r()));
    await waitFor(() => heard.length > 0, 10_000, 'the notification');
    expect(heard).toEqual([[EventType.NodeDataChanged, '/w']]);
  });

  it('pings an idle session so that it outlives its timeout', async () => {
    server = await startServer('zab', { cfg: { tickTime: '250' } });
    const s = await open(server.port, { sessionTimeoutMs: 600 });
    expect(s.negotiatedTimeoutMs).toBe(600);
    // Four pings, one per third of the timeout of idleness: the session has been idle longer
    // than its timeout and must still be alive.
    await waitFor(() => s.pingsSent >= 4, 20_000, 'four pings');
    const err = await new Promise<number>((resolve) => req.exists(s, '/', false, (e) => resolve(e)));
    expect(err).toBe(ErrorCode.OK);
    expect(s.isConnected).toBe(true);
  });

  it('fails what is outstanding with CONNECTIONLOSS when the connection goes, and resumes the session elsewhere', async () => {
    server = await startServer('zab');
    const s = await open(server.port);
    const codes: number[] = [];
    for (let i = 0; i < 20; i++) req.exists(s, '/', false, (err) => codes.push(err));
    s.destroy();
    expect(codes).toEqual(new Array(20).fill(ErrorCode.CONNECTIONLOSS));
    const again = await open(server.port, { sessionId: s.sessionId, passwd: s.passwd, lastZxidSeen: s.lastZxid });
    expect(again.sessionId).toBe(s.sessionId);
    await expect(open(server.port, { sessionId: s.sessionId + 12345n, passwd: s.passwd })).rejects.toBeInstanceOf(SessionRefusedError);
  });
});
