import { makeZxid } from '@zab/jute';
import { describe, expect, it } from 'vitest';
import { ProposalTimes, lagTxns } from './learner-lag.js';

const z = (epoch: number, counter: number) => makeZxid(BigInt(epoch), BigInt(counter));

describe('lagTxns', () => {
  it('counts the proposals of this epoch a follower has not acked', () => {
    expect(lagTxns(z(3, 40), z(3, 15))).toBe(25);
    expect(lagTxns(z(3, 40), z(3, 40))).toBe(0);
    expect(lagTxns(z(3, 0), z(3, 0))).toBe(0);
  });

  it('counts every proposal of this epoch when the ack is from an earlier one', () => {
    expect(lagTxns(z(3, 7), z(2, 900))).toBe(7);
    expect(lagTxns(z(3, 0), z(2, 900))).toBe(0); // nothing proposed yet: nothing to lag behind
  });

  it('never goes below 0', () => {
    expect(lagTxns(z(3, 5), z(3, 9))).toBe(0);
  });
});

describe('ProposalTimes', () => {
  it('ages a follower by its oldest unacked proposal, to the millisecond mark', () => {
    const t = new ProposalTimes();
    t.proposed(z(1, 1), 100);
    t.proposed(z(1, 2), 100.5); // same millisecond: covered by the mark of z(1, 1)
    t.proposed(z(1, 3), 110);
    t.proposed(z(1, 4), 130);
    expect(t.size).toBe(3);
    expect(t.ageMs(z(1, 4), z(1, 4), 200)).toBe(0);
    expect(t.ageMs(z(1, 3), z(1, 4), 200)).toBe(70);
    expect(t.ageMs(z(1, 2), z(1, 4), 200)).toBe(90);
    expect(t.ageMs(z(1, 1), z(1, 4), 200)).toBe(100); // z(1, 2) was proposed within z(1, 1)'s mark
    expect(t.ageMs(z(1, 0), z(1, 4), 200)).toBe(100);
    expect(t.ageMs(z(0, 77), z(1, 4), 200)).toBe(100); // acked nothing of this epoch
  });

  it('trims marks every follower is past, keeping the one that covers the next unacked txn', () => {
    const t = new ProposalTimes();
    for (let i = 1; i <= 5; i++) t.proposed(z(1, i), i * 10);
    t.trim(z(1, 3));
    expect(t.size).toBe(2);
    expect(t.ageMs(z(1, 3), z(1, 5), 100)).toBe(60);
    t.trim(z(0, 9)); // an ack from the last epoch trims nothing
    expect(t.size).toBe(2);
    t.reset();
    expect(t.ageMs(z(1, 3), z(1, 5), 100)).toBe(0);
  });

  it('stays bounded under a follower that never acks, reporting a lower bound', () => {
    const t = new ProposalTimes(10);
    for (let i = 1; i <= 1000; i++) t.proposed(z(1, i), i);
    expect(t.size).toBeLessThanOrEqual(20);
    const age = t.ageMs(z(1, 0), z(1, 1000), 1000);
    expect(age).toBeGreaterThan(0);
    expect(age).toBeLessThan(999); // the marks for the oldest txns are gone
  });
});
