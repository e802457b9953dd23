import { OpCode, makeZxid } from '@zab/jute';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { TEST_SETTINGS } from '../test-support/server-settings.js';
import { ZkServer } from '../zk-server.js';
import { LeaderWritePath, type LeaderQuorum } from './leader-path.js';
import { SyncBarriers } from './sync-barriers.js';
import type { TxnPayload } from './txn-payload.js';


function leaderPath(serving: boolean, epoch: bigint, establishedEpoch: bigint | null) {
  const proposed: bigint[] = [];
  const quorum: LeaderQuorum = {
    establishedEpoch,
    isServing: establishedEpoch !== null,
    propose: (zxid: bigint, _p: TxnPayload) => void proposed.push(zxid),
    sendToLearner: () => true,
  };
  const barriers = new SyncBarriers({ confirmLeadership: () => false, sendToLeader: () => false }, () => 0n, () => undefined);
  const server = new ZkServer(TEST_SETTINGS, pino({ level: 'silent' }));
  const path = new LeaderWritePath(server, { quorum, barriers, proposed: () => undefined, afterCoreCall: () => undefined }, serving, epoch);
  return { path, proposed };
}

const createSession = { type: OpCode.createSession, sessionId: 9n, cxid: 0, record: { timeoutMs: 4000 }, authIds: [] };

describe('LeaderWritePath', () => {
  it('proposes in the epoch it serves, its zxids starting over there', () => {
    const { path, proposed } = leaderPath(true, 3n, 3n);
    path.submit(createSession, undefined);
    path.submit({ ...createSession, sessionId: 10n }, undefined);
    expect(proposed).toEqual([makeZxid(3n, 1n), makeZxid(3n, 2n)]);
  });

  it('drops a txn prepared under a leadership the core has left, or before it serves', () => {
    for (const [serving, establishedEpoch] of [
      [true, null], // the core stepped down; its 'serving' effect has not been carried out yet
      [true, 4n], // the core leads a later epoch
      [false, 3n], // established in the core, not yet serving here
    ] as const) {
      const { path, proposed } = leaderPath(serving, 3n, establishedEpoch);
      path.submit(createSession, undefined);
      expect(proposed).toEqual([]);
    }
  });
});
