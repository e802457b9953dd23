import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { AdminAuth, LoginLimiter, WrongPassword, digestId } from './admin-auth.js';

describe('who may change data through the console', () => {
  it('makes digest ids as ZooKeeper does: user:base64(sha1(user:password))', () => {
    expect(digestId('alice', 'secret')).toBe(`alice:${createHash('sha1').update('alice:secret').digest('base64')}`);
    // What ZooKeeper 3.8's DigestAuthenticationProvider prints for super:test (run with java -cp zookeeper.jar).
    expect(digestId('super', 'test')).toBe('super:D/InIHSb7yEEbrWz8b9l71RjZJU=');
  });

  it('is read-only for everyone while admin.authDigests is not set', () => {
    const auth = new AdminAuth([]);
    expect(auth.configured).toBe(false);
    expect(auth.grant('alice', 'secret')).toEqual({ canWrite: false, readOnlyReason: expect.stringContaining('not configured') });
    expect(auth.grant(null, '').canWrite).toBe(false);
  });

  it('lets a listed user with the right password write; refuses a wrong one; leaves others read-only', () => {
    const auth = new AdminAuth([digestId('alice', 'secret'), digestId('carol', 'pw')]);
    expect(auth.grant('alice', 'secret')).toEqual({ canWrite: true, readOnlyReason: null });
    expect(auth.grant('carol', 'pw').canWrite).toBe(true);
    expect(() => auth.grant('alice', 'Secret')).toThrow(WrongPassword);
    expect(auth.grant('bob', 'anything')).toEqual({ canWrite: false, readOnlyReason: expect.stringContaining('bob is not an admin user') });
    expect(auth.grant(null, '').canWrite).toBe(false);
  });

  it('slows password guessing: at most 10 failures a minute per address, in a bounded table', () => {
    const limiter = new LoginLimiter(10, 2);
    for (let i = 0; i < 10; i++) {
      expect(limiter.allowed('a', 1_000)).toBe(true);
      limiter.fail('a', 1_000);
    }
    expect(limiter.allowed('a', 1_000)).toBe(false);
    expect(limiter.allowed('b', 1_000)).toBe(true);
    expect(limiter.allowed('a', 61_001)).toBe(true);
    limiter.fail('b', 2_000);
    limiter.fail('c', 2_000); // 'a' is evicted: the table holds 2 addresses
    expect(limiter.allowed('a', 2_000)).toBe(true);
  });
});
