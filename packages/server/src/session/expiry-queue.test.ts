import { describe, expect, it } from 'vitest';
import { ExpiryQueue } from './expiry-queue.js';

describe('ExpiryQueue', () => {
  it('expires elements in interval-aligned buckets', () => {
    const q = new ExpiryQueue<string>(1000, 0);
    q.update('a', 2500, 100); // due 2600 -> bucket 3000
    q.update('b', 2000, 0); // due 2000 -> bucket 3000
    q.update('c', 500, 0); // due 500 -> bucket 1000
    expect(q.poll(999)).toEqual([]);
    expect(q.poll(1000)).toEqual(['c']);
    expect(q.poll(2999)).toEqual([]);
    expect(q.poll(3000).sort()).toEqual(['a', 'b']);
    expect(q.size).toBe(0);
  });
  it('touching moves an element to a later bucket; remove forgets it', () => {
    const q = new ExpiryQueue<string>(1000, 0);
    q.update('a', 1000, 0);
    q.update('a', 1000, 1500); // now bucket 3000
    q.update('b', 1000, 0);
    q.remove('b');
    expect(q.poll(2000)).toEqual([]);
    expect(q.poll(3000)).toEqual(['a']);
  });
});
