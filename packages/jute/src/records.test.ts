// Record codecs against bytes captured on the wire between the official Java client
// (zookeeper 3.8.0, Debian) and Apache ZooKeeper 3.8.0, through a logging TCP proxy. Each
// vector is one frame minus its 4-byte length prefix, split at record boundaries for reading.
// Vectors the capture did not cover (SetWatches, SetWatches2) are written out by hand from
// zookeeper.jute.
import { describe, expect, it } from 'vitest';
import type { Codec } from './codec.js';
import { JuteDecodeError, JuteReader } from './reader.js';
import {
  AuthPacket,
  ConnectRequest,
  ConnectResponse,
  Create2Response,
  CreateRequest,
  CreateResponse,
  CreateTTLRequest,
  ExistsResponse,
  GetDataResponse,
  PathWatchRequest,
  ReplyHeader,
  RequestHeader,
  SetDataRequest,
  SetWatches,
  SetWatches2,
  Stat,
  WatcherEvent,
  type Stat as StatT,
} from './records.js';
import { JuteWriter } from './writer.js';
import { hex } from '../../../test/support/bytes.js';

/** Decodes `bytes` fully as `codec`, checks the value, and re-encodes to the same bytes. */
function vector<T>(codec: Codec<T>, bytes: string, value: T): void {
  const b = hex(bytes);
  const r = new JuteReader(b);
  expect(codec.read(r)).toEqual(value);
  expect(r.remaining).toBe(0);
  const w = new JuteWriter(1);
  codec.write(w, value);
  expect(w.toBuffer().toString('hex')).toBe(b.toString('hex'));
}

/** Reads a sequence of records from one captured frame payload and checks nothing is left. */
function readAll(bytes: string, ...codecs: Codec<unknown>[]): unknown[] {
  const r = new JuteReader(hex(bytes));
  const out = codecs.map((c) => c.read(r));
  expect(r.remaining).toBe(0);
  return out;
}

const OPEN = [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }];
const WORLD_ANYONE = '00000005 776f726c64 00000006 616e796f6e65';

// The Stat of /v in the captured GetDataResponse: data "hi", one child, cversion 1.
const STAT_V: StatT = {
  czxid: 4n,
  mzxid: 4n,
  ctime: 0x1a2031d2b58n,
  mtime: 0x1a2031d2b58n,
  version: 0,
  cversion: 1,
  aversion: 0,
  ephemeralOwner: 0n,
  dataLength: 2,
  numChildren: 1,
  pzxid: 5n,
};
const STAT_V_BYTES =
  '0000000000000004 0000000000000004 000001a2031d2b58 000001a2031d2b58 00000000 00000001 00000000 0000000000000000 00000002 00000001 0000000000000005';

describe('Stat', () => {
  it('matches the 68-byte layout ZooKeeper sends', () => {
    expect(hex(STAT_V_BYTES).length).toBe(68);
    vector(Stat, STAT_V_BYTES, STAT_V);
  });

  it('carries an ephemeral owner (session id) as an exact 64-bit value', () => {
    const bytes =
      '0000000000000005 0000000000000005 000001a2031d2b70 000001a2031d2b70 00000000 00000000 00000000 01000015d1d50001 00000000 00000000 0000000000000005';
    const s = Stat.read(new JuteReader(hex(bytes)));
    expect(s.ephemeralOwner).toBe(0x01000015d1d50001n);
  });

  it('refuses a truncated Stat', () => {
    expect(() => Stat.read(new JuteReader(hex(STAT_V_BYTES).subarray(0, 67)))).toThrow(JuteDecodeError);
  });
});

describe('Connect handshake', () => {
  it('ConnectRequest as the Java client sends it (with the trailing readOnly byte)', () => {
    const payload = hex('00000000 0000000000000000 00007530 0000000000000000 00000010 00000000000000000000000000000000 00');
    const r = new JuteReader(payload);
    expect(ConnectRequest.read(r)).toEqual({
      protocolVersion: 0,
      lastZxidSeen: 0n,
      timeOut: 30000,
      sessionId: 0n,
      passwd: Buffer.alloc(16),
    });
    expect(r.remaining).toBe(1);
    expect(r.bool()).toBe(false);
    vector(
      ConnectRequest,
      '00000000 0000000000000000 00007530 0000000000000000 00000010 00000000000000000000000000000000',
      { protocolVersion: 0, lastZxidSeen: 0n, timeOut: 30000, sessionId: 0n, passwd: Buffer.alloc(16) },
    );
  });

  it('ConnectResponse as ZooKeeper 3.8 answers it', () => {
    const r = new JuteReader(hex('00000000 00007530 01000015d1d50001 00000010 743a86257a7154709c0843858703d220 00'));
    expect(ConnectResponse.read(r)).toEqual({
      protocolVersion: 0,
      timeOut: 30000,
      sessionId: 0x01000015d1d50001n,
      passwd: hex('743a86257a7154709c0843858703d220'),
    });
    expect(r.bool()).toBe(false);
    expect(r.remaining).toBe(0);
  });

  it('a reconnect carries lastZxidSeen and the session password', () => {
    vector(
      ConnectRequest,
      '00000000 0000000100000007 00002710 01000015d1d50001 00000010 743a86257a7154709c0843858703d220',
      {
        protocolVersion: 0,
        lastZxidSeen: 0x100000007n,
        timeOut: 10000,
        sessionId: 0x01000015d1d50001n,
        passwd: hex('743a86257a7154709c0843858703d220'),
      },
    );
  });
});

describe('headers', () => {
  it('RequestHeader and ReplyHeader', () => {
    vector(RequestHeader, '00000001 00000001', { xid: 1, type: 1 });
    vector(RequestHeader, 'fffffffe 0000000b', { xid: -2, type: 11 }); // ping
    vector(RequestHeader, '00000008 fffffff5', { xid: 8, type: -11 }); // closeSession
    vector(ReplyHeader, '00000001 0000000000000004 00000000', { xid: 1, zxid: 4n, err: 0 });
    vector(ReplyHeader, '00000007 0000000000000008 ffffff9b', { xid: 7, zxid: 8n, err: -101 }); // exists: NoNode
    vector(ReplyHeader, 'fffffffc 0000000000000000 00000000', { xid: -4, zxid: 0n, err: 0 }); // auth ok
  });
});

describe('requests captured from the Java client', () => {
  it('create /v "hi" world:anyone PERSISTENT', () => {
    const [h, req] = readAll(
      `00000001 00000001  00000002 2f76  00000002 6869  00000001 0000001f ${WORLD_ANYONE}  00000000`,
      RequestHeader,
      CreateRequest,
    );
    expect(h).toEqual({ xid: 1, type: 1 });
    expect(req).toEqual({ path: '/v', data: Buffer.from('hi'), acl: OPEN, flags: 0 });
    vector(CreateRequest, `00000002 2f76 00000002 6869 00000001 0000001f ${WORLD_ANYONE} 00000000`, req as CreateRequest);
  });

  it('create2 /v/a with a digest ACL and world:anyone READ, EPHEMERAL_SEQUENTIAL', () => {
    const bytes =
      '00000004 2f762f61  00000000  00000002' +
      ' 0000001f 00000006 646967657374 0000001e 753a4141414141414141414141414141414141414141414141414141413d' +
      ` 00000001 ${WORLD_ANYONE}  00000003`;
    vector(CreateRequest, bytes, {
      path: '/v/a',
      data: Buffer.alloc(0),
      acl: [
        { perms: 31, id: { scheme: 'digest', id: 'u:AAAAAAAAAAAAAAAAAAAAAAAAAAA=' } },
        { perms: 1, id: { scheme: 'world', id: 'anyone' } },
      ],
      flags: 3,
    });
  });

  it('getData /v with watch', () => {
    const [h, req] = readAll('00000003 00000004  00000002 2f76 01', RequestHeader, PathWatchRequest);
    expect(h).toEqual({ xid: 3, type: 4 });
    expect(req).toEqual({ path: '/v', watch: true });
  });

  it('setData /v "é✓" version 0', () => {
    vector(SetDataRequest, '00000002 2f76 00000005 c3a9e29c93 00000000', { path: '/v', data: Buffer.from('é✓'), version: 0 });
  });

  it('addauth digest u:p', () => {
    const [h, pkt] = readAll('fffffffc 00000064  00000000 00000006 646967657374 00000003 753a70', RequestHeader, AuthPacket);
    expect(h).toEqual({ xid: -4, type: 100 });
    expect(pkt).toEqual({ type: 0, scheme: 'digest', auth: Buffer.from('u:p') });
  });

  it('CreateTTLRequest appends the ttl after flags', () => {
    vector(CreateTTLRequest, `00000002 2f74 ffffffff 00000001 0000001f ${WORLD_ANYONE} 00000005 00000000000003e8`, {
      path: '/t',
      data: null,
      acl: OPEN,
      flags: 5,
      ttl: 1000n,
    });
  });
});

describe('responses captured from ZooKeeper 3.8', () => {
  it('CreateResponse', () => {
    vector(CreateResponse, '00000002 2f76', { path: '/v' });
  });

  it('Create2Response of an ephemeral sequential node', () => {
    const [h, resp] = readAll(
      '00000002 0000000000000005 00000000  0000000e 2f762f6130303030303030303030' +
        ' 0000000000000005 0000000000000005 000001a2031d2b70 000001a2031d2b70 00000000 00000000 00000000 01000015d1d50001 00000000 00000000 0000000000000005',
      ReplyHeader,
      Create2Response,
    );
    expect(h).toEqual({ xid: 2, zxid: 5n, err: 0 });
    expect((resp as Create2Response).path).toBe('/v/a0000000000');
    expect((resp as Create2Response).stat.ephemeralOwner).toBe(0x01000015d1d50001n);
  });

  it('GetDataResponse', () => {
    vector(GetDataResponse, `00000002 6869 ${STAT_V_BYTES}`, { data: Buffer.from('hi'), stat: STAT_V });
  });

  it('ExistsResponse is a bare Stat', () => {
    vector(ExistsResponse, STAT_V_BYTES, { stat: STAT_V });
  });

  it('a watch notification: xid -1, zxid -1, then WatcherEvent{NodeDataChanged, SyncConnected, /v}', () => {
    const [h, ev] = readAll('ffffffff ffffffffffffffff 00000000  00000003 00000003 00000002 2f76', ReplyHeader, WatcherEvent);
    expect(h).toEqual({ xid: -1, zxid: -1n, err: 0 });
    expect(ev).toEqual({ type: 3, state: 3, path: '/v' });
    vector(WatcherEvent, '00000003 00000003 00000002 2f76', { type: 3, state: 3, path: '/v' });
  });
});

describe('SetWatches / SetWatches2 (hand-encoded from zookeeper.jute)', () => {
  it('SetWatches', () => {
    vector(SetWatches, '0000000000000010  00000001 00000002 2f61  00000000  00000001 00000002 2f62', {
      relativeZxid: 0x10n,
      dataWatches: ['/a'],
      existWatches: [],
      childWatches: ['/b'],
    });
  });

  it('SetWatches2 adds persistent and persistent-recursive paths', () => {
    vector(
      SetWatches2,
      '0000000100000010  00000001 00000002 2f61  00000000  00000002 00000002 2f62 00000002 2f63  00000000  00000001 00000001 2f',
      {
        relativeZxid: 0x100000010n,
        dataWatches: ['/a'],
        existWatches: [],
        childWatches: ['/b', '/c'],
        persistentWatches: [],
        persistentRecursiveWatches: ['/'],
      },
    );
  });

  it('reads a null vector (-1) as empty', () => {
    const v = SetWatches.read(new JuteReader(hex('0000000000000000 ffffffff ffffffff ffffffff')));
    expect(v).toEqual({ relativeZxid: 0n, dataWatches: [], existWatches: [], childWatches: [] });
  });
});
