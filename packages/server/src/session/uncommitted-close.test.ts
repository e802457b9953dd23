// A session whose closeSession is proposed but not committed has not expired: no client may be
// told it has. A leader resumed from SIGSTOP runs its overdue expiry timer before its quorum core
// notices it lost its followers; it proposes closes that never commit, and must not answer
// reconnects, requests or learners' revalidations of those sessions with "expired".
import { JuteReader, OpCode, type ConnectRequest } from '@zab/jute';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { LeaderWritePath, type LeaderQuorum } from '../ensemble/leader-path.js';
import { LearnerWritePath } from '../ensemble/learner-path.js';
import { SyncBarriers } from '../ensemble/sync-barriers.js';
import { TouchRelay } from '../ensemble/touch-relay.js';
import type { AppMessage, ForwardedWrite } from '../ensemble/app-messages.js';
import type { Connection, PendingRequest } from '../net/connection.js';
import { ManualClock } from '../test-support/manual-clock.js';
import { TEST_SETTINGS } from '../test-support/server-settings.js';
import { DataTree } from '../tree/data-tree.js';
import { ZkServer } from '../zk-server.js';
import { sessionPassword } from './session-tracker.js';
import { configuration } from '@zab/quorum';

const SID = 0x42n;
const TIMEOUT_MS = 4000;

/** A client connection that records what the server queues for it and whether it closed it. */
function clientConn(sessionId = 0n) {
  const queued: PendingRequest[] = [];
  let closed = false;
  const conn = {
    remoteAddress: '10.0.0.9',
    authIds: [] as { scheme: string; id: string }[],
    sessionId,
    sessionTimeoutMs: TIMEOUT_MS,
    get isClosed() {
      return closed;
    },
    enqueue: (p: PendingRequest) => void queued.push(p),
    flush: () => undefined,
    close: () => void (closed = true),
  };
  return { conn: conn as unknown as Connection, queued, closed: () => closed };
}

/** A leader (serving or not) over a recorded quorum, holding session SID. */
function leader(serving: boolean, clock = new ManualClock()) {
  const server = new ZkServer(TEST_SETTINGS, pino({ level: 'silent' }), { clock, recovered: { tree: new DataTree(false), sessions: new Map([[SID, TIMEOUT_MS]]) } });
  const proposed: bigint[] = [];
  const answers: AppMessage[] = [];
  const quorum: LeaderQuorum = {
    establishedEpoch: 1n,
    isServing: serving,
    propose: (zxid) => void proposed.push(zxid),
    proposeReconfig: (zxid) => void proposed.push(zxid),
    sendToLearner: (_to, m) => answers.push(m as AppMessage) > 0,
  };
  const reconfig = { lastSeen: () => configuration(0n, [{ sid: 1, role: 'participant' as const, host: '127.0.0.1', quorumPort: 1, electionPort: 2 }]), inProgress: () => false, isQuorumSynced: () => true, standaloneEnabled: true };
  const barriers = new SyncBarriers({ confirmLeadership: () => false, sendToLeader: () => false }, () => 0n, () => undefined);
  const path = new LeaderWritePath(server, { quorum, barriers, reconfig, proposed: () => undefined, afterCoreCall: () => undefined }, serving, 1n);
  server.setWritePath(path);
  return { server, path, proposed, answers, clock };
}

const reconnect = (): ConnectRequest => ({ protocolVersion: 0, lastZxidSeen: 0n, timeOut: TIMEOUT_MS, sessionId: SID, passwd: sessionPassword(SID) });

describe('a session whose close has not committed', () => {
  it('is not told expired when it reconnects to the leader: the connection is closed unanswered', () => {
    const { server } = leader(true);
    server.sessions.setClosing(SID); // what the expiry timer leaves behind when it proposes the close
    const c = clientConn();
    server.onConnect(c.conn, reconnect(), false);
    expect(c.queued.filter((p) => p.connect?.sessionId === 0n)).toEqual([]);
    expect(c.closed()).toBe(true);
  });

  it('gets no SessionExpired for a request: the connection is closed', () => {
    const { server } = leader(true);
    server.sessions.setClosing(SID);
    const c = clientConn(SID);
    server.onRequest(c.conn, 7, OpCode.getData, new JuteReader(Buffer.alloc(0)));
    expect(c.queued.map((p) => p.reply?.err)).toEqual([]);
    expect(c.closed()).toBe(true);
  });

  it('is answered "closing", not "invalid", to a learner, which closes its client connection unanswered', () => {
    const { server, path, answers } = leader(true);
    server.sessions.setClosing(SID);
    path.onLearnerRequest(2, { kind: 'revalidate', sessionId: SID, timeoutMs: TIMEOUT_MS, token: 5 });
    expect(answers).toEqual([{ kind: 'revalidated', token: 5, valid: false, closing: true }]);

    const follower = new ZkServer({ ...TEST_SETTINGS, serverId: 2 }, pino({ level: 'silent' }), { recovered: { tree: new DataTree(false), sessions: new Map([[SID, TIMEOUT_MS]]) } });
    const sent: (AppMessage | ForwardedWrite)[] = [];
    const barriers = new SyncBarriers({ confirmLeadership: () => false, sendToLeader: () => false }, () => 0n, () => undefined);
    const learner = new LearnerWritePath(follower, { toLeader: (m) => sent.push(m) > 0, barriers, touches: new TouchRelay() }, true);
    follower.setWritePath(learner);
    const c = clientConn();
    follower.onConnect(c.conn, reconnect(), false);
    const token = (sent[0] as { token: number }).token;
    learner.revalidated(token, false, true);
    expect(c.queued.every((p) => p.state === 'waiting')).toBe(true); // its noSession answer never goes out
    expect(c.closed()).toBe(true);
  });

  it('is still told expired once the close has committed (the session is gone)', () => {
    const { server } = leader(true);
    server.sessions.remove(SID);
    const c = clientConn();
    server.onConnect(c.conn, reconnect(), false);
    expect(c.queued.map((p) => p.connect?.sessionId)).toEqual([0n]);
  });

  it('is never proposed closed by a leader that does not serve yet', async () => {
    const idle = leader(false);
    idle.server.start();
    idle.clock.advance(10 * TIMEOUT_MS);
    expect(idle.server.sessions.get(SID)?.closing).toBe(false);
    await idle.server.stop();

    const serving = leader(true);
    serving.server.start();
    serving.clock.advance(10 * TIMEOUT_MS);
    expect(serving.server.sessions.get(SID)?.closing).toBe(true);
    expect(serving.proposed.length).toBe(1);
    await serving.server.stop();
  });
});
