import { describe, expect, it } from 'vitest';
import type { Member } from '../env/members.js';
import { type PollClock, timeToServe } from './ensemble-view.js';

type Probe = { answered: boolean; mode: string | null };
const LEADER: Probe = { answered: true, mode: 'leader' };
const FOLLOWER: Probe = { answered: true, mode: 'follower' };
const NOT_SERVING: Probe = { answered: true, mode: null };
const NO_ANSWER: Probe = { answered: false, mode: null };

/** A member whose srvr probes answer from `script` in turn (the last one repeating). */
function scripted(id: number, script: Probe[]): Member {
  let n = 0;
  return { id, probe: async () => script[Math.min(n++, script.length - 1)]! } as unknown as Member;
}

/** Virtual time: only the pauses between looks pass it, so a loaded machine changes nothing. */
function fakeClock(): PollClock {
  let nowMs = 0;
  return {
    nowMs: () => nowMs,
    sleep: async (ms) => void (nowMs += ms),
  };
}

describe('time to serve after a heal', () => {
  it('does not take a probe that timed out for a member that stopped serving', async () => {
    // Member 2 serves from the first look; its probes then time out (a busy machine) while
    // member 3 is still syncing past the bound's start.
    const members = [
      scripted(1, [LEADER]),
      scripted(2, [FOLLOWER, ...Array<Probe>(6).fill(NO_ANSWER)]),
      scripted(3, [...Array<Probe>(4).fill(NOT_SERVING), FOLLOWER]),
    ];
    const r = await timeToServe(members, 0, 1_000, fakeClock());
    // Member 3 serves at its fifth look, four pauses of 100 ms after the heal.
    expect(r.ms).toBe(400);
    expect(r.modes).toEqual(['leader', 'follower', 'follower']);
  });

  it('misses the bound when a member answers that it does not serve', async () => {
    const members = [scripted(1, [LEADER]), scripted(2, [FOLLOWER, NOT_SERVING]), scripted(3, [...Array<Probe>(4).fill(NOT_SERVING), FOLLOWER])];
    const r = await timeToServe(members, 0, 1_000, fakeClock());
    expect(r.ms).toBeNull();
    expect(r.modes).toEqual(['leader', null, 'follower']);
  });
});
