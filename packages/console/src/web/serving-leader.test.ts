import { describe, expect, it } from 'vitest';
import type { MemberFigures } from './api.js';
import { servingLeader } from './serving-leader.js';

function member(id: number, state: string | null, serving: boolean, epoch: number): MemberFigures {
  const ensemble = state === null ? null : { server_id: id, state, serving, leader_id: 2, epoch, last_zxid: '0x0' };
  return { id, adminUrl: `http://127.0.0.1:${8080 + id}`, clientAddress: `127.0.0.1:${2180 + id}`, reachable: state !== null, error: null, fetchedAtMs: 0, monitor: null, ensemble, histograms: null };
}

describe('the leader the console names', () => {
  it('is a LEADING member only once it serves: just elected, it still reports the old epoch', () => {
    const electing = [member(1, null, false, 0), member(2, 'LEADING', false, 1), member(3, 'FOLLOWING', false, 1)];
    expect(servingLeader(electing)).toBeUndefined();
    const serving = [member(1, null, false, 0), member(2, 'LEADING', true, 2), member(3, 'FOLLOWING', true, 2)];
    expect(servingLeader(serving)?.id).toBe(2);
  });

  it('is a standalone server, which always serves', () => {
    expect(servingLeader([member(1, 'STANDALONE', true, 0)])?.id).toBe(1);
    expect(servingLeader([member(1, 'LOOKING', false, 1)])).toBeUndefined();
  });
});
