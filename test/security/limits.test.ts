// The limits that keep a member up in a reconnect storm, as ZooKeeper 3.8 names them: maxCnxns
// (connections open at once), the connection token bucket (connectionMaxTokens,
// connectionTokenFillTime, connectionTokenFillCount: new sessions per time) and
// requestThrottleLimit (requests held at once). A storm of raw connections, each sending a
// ConnectRequest and hanging up, runs while the member's existing clients keep reading and
// writing; they must all be served, and the storm must get no more sessions than the bucket
// allows for the time it took.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../support/launch.js';
import { waitFor } from '../support/wait.js';
import { encodeConnectRequest, frame, OPEN_ACL, RawClient } from '../support/raw-client.js';
import { securityTarget, startSecureServer } from './security-target.js';

const MAX_CNXNS = 60;
const TOKENS = 20;
const FILL_TIME_MS = 1000;
const FILL_COUNT = 5;
const STORM_CONNECTIONS = 1500;
const STORM_PARALLEL = 150;

let server: RunningServer;
beforeAll(async () => {
  server = await startSecureServer({
    maxCnxns: String(MAX_CNXNS),
    connectionMaxTokens: String(TOKENS),
    connectionTokenFillTime: String(FILL_TIME_MS),
    connectionTokenFillCount: String(FILL_COUNT),
    requestThrottleLimit: '100',
    // ZooKeeper 3.8 reads the bucket's settings as these properties (zab as zoo.cfg keys).
  }, {
    javaProps: {
      'zookeeper.connection_throttle_tokens': String(TOKENS),
      'zookeeper.connection_throttle_fill_time': String(FILL_TIME_MS),
      'zookeeper.connection_throttle_fill_count': String(FILL_COUNT),
      'zookeeper.request_throttle_max_requests': '100',
    },
  });
}, 240_000);
afterAll(async () => {
  await server?.stop();
});

/** One storm connection: sends a ConnectRequest; true when it got a session before the server closed it. */
function stormConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ port, host: '127.0.0.1' });
    let got = Buffer.alloc(0);
    const done = (session: boolean) => {
      s.destroy();
      resolve(session);
    };
    const timer = setTimeout(() => done(false), 20_000);
    s.on('connect', () => s.write(frame(encodeConnectRequest({ protocolVersion: 0, lastZxidSeen: 0n, timeOut: 4_000, sessionId: 0n, passwd: Buffer.alloc(16) }))));
    s.on('data', (c: Buffer) => {
      got = Buffer.concat([got, c]);
      // length(4) protocolVersion(4) timeOut(4) sessionId(8): a non-zero timeout is a session.
      if (got.length >= 16) {
        clearTimeout(timer);
        done(got.readInt32BE(8) > 0);
      }
    });
    s.on('error', () => undefined);
    s.on('close', () => {
      clearTimeout(timer);
      resolve(false);
    });
  });
}

describe(`a reconnect storm (${securityTarget()})`, () => {
  it('leaves existing clients served and gets no more sessions than the connection bucket allows', async () => {
    const clients = await Promise.all([1, 2, 3, 4, 5].map(() => RawClient.connect({ port: server.port, requestTimeoutMs: 30_000 })));
    try {
      for (const [i, c] of clients.entries()) expect((await c.create(`/storm-${i}`, Buffer.from('0'), OPEN_ACL)).err).toBe(0);
      let storming = true;
      // Rounds each existing client completed: every one of them must be served during the storm.
      const rounds = clients.map(() => 0);
      // The existing clients write and read back, one round after another, for as long as the storm lasts.
      const traffic = Promise.all(
        clients.map(async (c, i) => {
          while (storming) {
            const value = Buffer.from(String(rounds[i]));
            expect((await c.setData(`/storm-${i}`, value, -1)).err).toBe(0);
            expect((await c.getData(`/storm-${i}`)).body!.data).toEqual(value);
            rounds[i]!++;
          }
        }),
      );
      const startedMs = Date.now();
      let sessions = 0;
      let next = 0;
      await Promise.all(
        Array.from({ length: STORM_PARALLEL }, async () => {
          while (next < STORM_CONNECTIONS) {
            next++;
            if (await stormConnect(server.port)) sessions++;
          }
        }),
      );
      const elapsedMs = Date.now() - startedMs;
      storming = false;
      await traffic;
      const allowed = TOKENS + FILL_COUNT * Math.ceil(elapsedMs / FILL_TIME_MS);
      console.log(`storm: ${STORM_CONNECTIONS} connections in ${elapsedMs} ms, ${sessions} sessions (bucket allows ${allowed}); ${rounds.join('/')} write+read rounds served meanwhile (per client)`);
      expect(sessions).toBeGreaterThan(0);
      expect(sessions).toBeLessThanOrEqual(allowed);
      expect(rounds.every((n) => n > 0)).toBe(true);
      // Still serving after the storm, on the same sessions.
      for (const [i, c] of clients.entries()) expect((await c.exists(`/storm-${i}`)).err).toBe(0);
    } finally {
      for (const c of clients) c.destroy();
    }
  }, 240_000);

  it('refuses connections past maxCnxns and takes them again once one closes', async () => {
    const small = await startSecureServer({ maxCnxns: '5' }, { javaProps: { 'zookeeper.maxCnxns': '5' } });
    const held: RawClient[] = [];
    const tryConnect = () => RawClient.connect({ port: small.port, connectTimeoutMs: 5_000, autoPing: true }).catch(() => undefined);
    try {
      for (let i = 0; i < 5; i++) {
        const c = await tryConnect();
        expect(c?.sessionId).toBeTruthy();
        held.push(c!);
      }
      const sixth = await tryConnect();
      expect(sixth === undefined || sixth.sessionId === 0n).toBe(true);
      sixth?.destroy();
      held.pop()!.destroy();
      await waitFor('a connection to be taken again after one closed', async () => {
        const c = await tryConnect();
        if (!c || c.sessionId === 0n) return false;
        held.push(c);
        return true;
      }, { deadlineMs: 20_000, pollMs: 100 });
    } finally {
      for (const c of held) c.destroy();
      await small.stop();
    }
  }, 240_000);
});
