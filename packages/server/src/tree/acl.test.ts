import { describe, expect, it } from 'vitest';
import { ErrorCode, Perms } from '@zab/jute';
import { AclError, authenticate, checkAcl, digestOf, fixupAcl, maskDigests } from './acl.js';

const world = (perms: number) => ({ perms, id: { scheme: 'world', id: 'anyone' } });

describe('digest', () => {
  it('is user:base64(sha1(user:password))', () => {
    // The value ZooKeeper's DigestAuthenticationProvider.generateDigest("super:test") prints.
    expect(digestOf('super:test')).toBe('super:D/InIHSb7yEEbrWz8b9l71RjZJU=');
  });
  it('authenticates digest and recognises the super digest', () => {
    expect(authenticate('digest', Buffer.from('super:test'), '1.2.3.4', 'super:D/InIHSb7yEEbrWz8b9l71RjZJU=')).toEqual([
      { scheme: 'super', id: '' },
      { scheme: 'digest', id: 'super:D/InIHSb7yEEbrWz8b9l71RjZJU=' },
    ]);
    expect(authenticate('nosuch', Buffer.from('x'), '1.2.3.4', undefined)).toBeNull();
  });
});

describe('checkAcl', () => {
  const bob = { scheme: 'digest', id: digestOf('bob:pw') };
  it('grants world, matching digest and ip ranges; denies others', () => {
    expect(checkAcl([world(Perms.READ)], Perms.READ, [])).toBe(true);
    expect(checkAcl([world(Perms.READ)], Perms.WRITE, [])).toBe(false);
    expect(checkAcl([{ perms: Perms.ALL, id: bob }], Perms.WRITE, [bob])).toBe(true);
    expect(checkAcl([{ perms: Perms.ALL, id: bob }], Perms.WRITE, [{ scheme: 'ip', id: '127.0.0.1' }])).toBe(false);
    const ip = { perms: Perms.READ, id: { scheme: 'ip', id: '10.1.0.0/16' } };
    expect(checkAcl([ip], Perms.READ, [{ scheme: 'ip', id: '10.1.200.3' }])).toBe(true);
    expect(checkAcl([ip], Perms.READ, [{ scheme: 'ip', id: '10.2.0.1' }])).toBe(false);
    expect(checkAcl([ip], Perms.READ, [{ scheme: 'ip', id: '::ffff:10.1.0.9' }])).toBe(true);
    expect(checkAcl([{ perms: 0, id: bob }], Perms.READ, [{ scheme: 'super', id: '' }])).toBe(true);
  });
});

describe('fixupAcl', () => {
  it('expands auth to authenticated ids and rejects invalid lists', () => {
    const bob = { scheme: 'digest', id: digestOf('bob:pw') };
    expect(fixupAcl([{ perms: Perms.ALL, id: { scheme: 'auth', id: '' } }], [{ scheme: 'ip', id: '1.1.1.1' }, bob])).toEqual([
      { perms: Perms.ALL, id: bob },
    ]);
    const invalid = (acl: any[], ids: any[] = []) => {
      try {
        fixupAcl(acl, ids);
        return false;
      } catch (e) {
        return e instanceof AclError && e.code === ErrorCode.INVALIDACL;
      }
    };
    expect(invalid([])).toBe(true);
    expect(invalid([{ perms: 31, id: { scheme: 'auth', id: '' } }], [{ scheme: 'ip', id: '1.1.1.1' }])).toBe(true);
    expect(invalid([{ perms: 31, id: { scheme: 'world', id: 'someone' } }])).toBe(true);
    expect(invalid([{ perms: 31, id: { scheme: 'digest', id: 'nocolon' } }])).toBe(true);
    expect(invalid([{ perms: 31, id: { scheme: 'ip', id: '300.1.1.1' } }])).toBe(true);
    expect(invalid([{ perms: 31, id: { scheme: 'ip', id: '10.0.0.0/33' } }])).toBe(true);
    expect(invalid([{ perms: 31, id: { scheme: 'ip', id: '10.0.0.0/8' } }])).toBe(false);
  });
  it('takes a scheme only with its provider registered, and expands auth only to those', () => {
    const registered = new Set(['ip', 'digest']);
    const sasl = { perms: 31, id: { scheme: 'sasl', id: 'alice' } };
    const x509 = { perms: 31, id: { scheme: 'x509', id: 'CN=alice' } };
    const code = (f: () => unknown) => {
      try {
        f();
        return 0;
      } catch (e) {
        return (e as AclError).code;
      }
    };
    expect(code(() => fixupAcl([sasl], [], registered))).toBe(ErrorCode.INVALIDACL);
    expect(code(() => fixupAcl([x509], [], registered))).toBe(ErrorCode.INVALIDACL);
    expect(fixupAcl([sasl, x509], [], new Set([...registered, 'sasl', 'x509']))).toEqual([sasl, x509]);
    // A sasl id (logged in through the JAAS file alone) does not stand for an authenticated user without the provider.
    const auth = [{ perms: 31, id: { scheme: 'auth', id: '' } }];
    expect(code(() => fixupAcl(auth, [{ scheme: 'sasl', id: 'alice' }], registered))).toBe(ErrorCode.INVALIDACL);
    expect(fixupAcl(auth, [{ scheme: 'sasl', id: 'alice' }], new Set([...registered, 'sasl']))).toEqual([sasl]);
  });
  it('hides digests from callers without ADMIN', () => {
    expect(maskDigests([{ perms: 1, id: { scheme: 'digest', id: 'bob:abc=' } }])).toEqual([
      { perms: 1, id: { scheme: 'digest', id: 'bob:x' } },
    ]);
  });
});
