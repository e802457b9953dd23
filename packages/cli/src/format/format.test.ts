import { EventType, KeeperState, Perms, type Stat } from '@zab/jute';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UsageError } from '../errors.js';
import { aclJson, aclLines, parseAcl, parsePerms, permString } from './acl.js';
import { eventJson, eventLine } from './event.js';
import { hex64, javaDate, statJson, statLines } from './stat.js';

const stat: Stat = {
  czxid: 5n,
  mzxid: 0xdn,
  ctime: 1795358463000n,
  mtime: 1795358463000n,
  version: 2,
  cversion: 3,
  aversion: 0,
  ephemeralOwner: 0x10000ac080d0006n,
  dataLength: 6,
  numChildren: 3,
  pzxid: 8n,
};

describe('stat', () => {
  let tz: string | undefined;
  beforeEach(() => {
    tz = process.env['TZ'];
    process.env['TZ'] = 'UTC';
  });
  afterEach(() => {
    if (tz === undefined) delete process.env['TZ'];
    else process.env['TZ'] = tz;
  });

  it('prints 64-bit ids as Long.toHexString does', () => {
    expect(hex64(0n)).toBe('0x0');
    expect(hex64(0x10000ac080d0006n)).toBe('0x10000ac080d0006');
    expect(hex64(-1n)).toBe('0xffffffffffffffff');
  });

  it('prints times as java.util.Date.toString does', () => {
    expect(javaDate(1795358463000)).toBe('Sun Nov 22 14:41:03 UTC 2026');
    expect(javaDate(0)).toBe('Thu Jan 01 00:00:00 UTC 1970');
  });

  it("prints zkCli's eleven lines in its order", () => {
    expect(statLines(stat)).toEqual([
      'cZxid = 0x5',
      'ctime = Sun Nov 22 14:41:03 UTC 2026',
      'mZxid = 0xd',
      'mtime = Sun Nov 22 14:41:03 UTC 2026',
      'pZxid = 0x8',
      'cversion = 3',
      'dataVersion = 2',
      'aclVersion = 0',
      'ephemeralOwner = 0x10000ac080d0006',
      'dataLength = 6',
      'numChildren = 3',
    ]);
  });

  it('carries ids as hex strings and times as numbers in JSON', () => {
    const j = statJson(stat);
    expect(j).toMatchObject({ czxid: '0x5', ephemeralOwner: '0x10000ac080d0006', ctime: 1795358463000, version: 2 });
    expect(JSON.parse(JSON.stringify(j))).toEqual(j);
  });
});

describe('acl', () => {
  it('parses zkCli ACL strings, ids keeping their colons', () => {
    expect(parseAcl('world:anyone:cdrwa')).toEqual([{ perms: Perms.ALL, id: { scheme: 'world', id: 'anyone' } }]);
    expect(parseAcl('digest:bob:ikIa/jKn7=:rw,ip:127.0.0.1:a')).toEqual([
      { perms: Perms.READ | Perms.WRITE, id: { scheme: 'digest', id: 'bob:ikIa/jKn7=' } },
      { perms: Perms.ADMIN, id: { scheme: 'ip', id: '127.0.0.1' } },
    ]);
    expect(parseAcl('auth::cdrwa')).toEqual([{ perms: Perms.ALL, id: { scheme: 'auth', id: '' } }]);
  });

  it('refuses malformed entries and unknown perms as usage errors', () => {
    expect(() => parseAcl('bogus')).toThrow(new UsageError('bogus does not have the form scheme:id:perm'));
    expect(() => parseAcl('world:anyone')).toThrow(UsageError);
    expect(() => parsePerms('rz')).toThrow(/Unknown perm type: z/);
  });

  it("prints perms in zkCli's order and ACLs in its two-line form", () => {
    expect(permString(Perms.ALL)).toBe('cdrwa');
    expect(permString(Perms.READ | Perms.ADMIN)).toBe('ra');
    expect(permString(parsePerms('awrdc'))).toBe('cdrwa');
    const acl = parseAcl('world:anyone:r,ip:127.0.0.1:cdrwa');
    expect(aclLines(acl)).toEqual(["'world,'anyone", ': r', "'ip,'127.0.0.1", ': cdrwa']);
    expect(aclJson(acl)).toEqual([
      { scheme: 'world', id: 'anyone', perms: 'r' },
      { scheme: 'ip', id: '127.0.0.1', perms: 'cdrwa' },
    ]);
  });
});

describe('event', () => {
  it('prints WatchedEvent.toString', () => {
    expect(eventLine({ type: EventType.NodeDataChanged, state: KeeperState.SyncConnected, path: '/a' })).toBe(
      'WatchedEvent state:SyncConnected type:NodeDataChanged path:/a',
    );
    expect(eventLine({ type: EventType.None, state: KeeperState.Disconnected, path: '' })).toBe('WatchedEvent state:Disconnected type:None path:null');
    expect(eventJson({ type: EventType.NodeCreated, state: KeeperState.SyncConnected, path: '/b' })).toEqual({
      type: 'NodeCreated',
      state: 'SyncConnected',
      path: '/b',
    });
  });
});
