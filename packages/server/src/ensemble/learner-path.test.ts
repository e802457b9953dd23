import { OpCode } from '@zab/jute';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { Connection, PendingRequest } from '../net/connection.js';
import { TEST_SETTINGS } from '../test-support/server-settings.js';
import type { TxnHeader } from '../tree/txn.js';
import { ZkServer } from '../zk-server.js';
import type { AppMessage, ForwardedWrite } from './app-messages.js';
import { LearnerWritePath } from './learner-path.js';
import { SyncBarriers } from './sync-barriers.js';
import { TouchRelay } from './touch-relay.js';

const S = 0x5an;

function learnerPath() {
  const sent: (AppMessage | ForwardedWrite)[] = [];
  const barriers = new SyncBarriers({ confirmLeadership: () => false, sendToLeader: () => false }, () => 0n, () => undefined);
  const server = new ZkServer(TEST_SETTINGS, pino({ level: 'silent' }));
  const path = new LearnerWritePath(server, { toLeader: (m) => (sent.push(m), true), barriers, touches: new TouchRelay() }, true);
  const conn = { authIds: [] } as unknown as Connection;
  const forward = (type: number, xid: number, body?: Buffer): PendingRequest => {
    const p: PendingRequest = { conn, xid, type, record: {}, state: 'waiting', receivedAtMs: 0 };
    path.submit({ type, sessionId: S, cxid: xid, record: {}, authIds: [], ...(body ? { body } : {}) }, p);
    return p;
  };
  const hdr = (type: number, cxid: number): TxnHeader => ({ sessionId: S, cxid, zxid: 1n, timeMs: 0, type });
  return { path, forward, hdr, sent };
}

describe('LearnerWritePath', () => {
  it('answers a forwarded write only with its own txn, not with another of its session that has the same cxid', () => {
    const { path, forward, hdr, sent } = learnerPath();
    // A client's create2 with xid 0 is on its way to the leader when the leader expires the
    // session: the leader's closeSession (cxid 0, like every txn it issues itself) commits first.
    const create = forward(OpCode.create2, 0);
    expect(sent).toHaveLength(1);
    expect(path.takeWaiter(hdr(OpCode.closeSession, 0))).toBeUndefined();
    // Then the create2's own txn: an error, as the session is gone.
    expect(path.takeWaiter(hdr(OpCode.error, 0))).toBe(create);
  });

  it('forwards a client\'s write as the client\'s record bytes, and a write no client sent as its record', () => {
    const { forward, sent } = learnerPath();
    const bytes = Buffer.from([0, 0, 0, 2, 0x2f, 0x61, 0xff, 0xff, 0xff, 0xff]);
    forward(OpCode.delete, 1, bytes);
    forward(OpCode.delete, 2);
    expect(sent).toEqual([
      { kind: 'write', type: OpCode.delete, sessionId: S, cxid: 1, body: bytes, authIds: [] },
      { kind: 'write', type: OpCode.delete, sessionId: S, cxid: 2, record: {}, authIds: [] },
    ]);
  });

  it('matches by cxid, in order, a failed write by its error txn', () => {
    const { path, forward, hdr } = learnerPath();
    const a = forward(OpCode.setData, 7);
    const b = forward(OpCode.setData, 7);
    const c = forward(OpCode.delete, 8);
    expect(path.takeWaiter(hdr(OpCode.setData, 7))).toBe(a);
    expect(path.takeWaiter(hdr(OpCode.error, 8))).toBe(c);
    expect(path.takeWaiter(hdr(OpCode.setData, 7))).toBe(b);
    expect(path.takeWaiter(hdr(OpCode.setData, 7))).toBeUndefined();
  });
});
