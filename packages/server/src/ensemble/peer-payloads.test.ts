import { CreateRequest, JuteReader, JuteWriter, OpCode } from '@zab/jute';
import { describe, expect, it } from 'vitest';
import { leaderMessage, learnerMessage } from './peer-payloads.js';

/** A create record's bytes as a client sends them. */
function createBytes(): Buffer {
  const w = new JuteWriter();
  CreateRequest.write(w, { path: '/a', data: Buffer.from('x'), acl: [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }], flags: 1 });
  return w.toBuffer();
}

/** A create record as a follower decodes it from its client's bytes. */
function decodedCreate(): unknown {
  return CreateRequest.read(new JuteReader(createBytes()));
}

const write = (over: Record<string, unknown>) => ({ kind: 'write', type: OpCode.create, sessionId: 5n, cxid: 3, record: decodedCreate(), authIds: [{ scheme: 'ip', id: '127.0.0.1' }], ...over });

describe('messages between the hosts of an ensemble', () => {
  it('passes what a learner sends, field for field', () => {
    expect(learnerMessage(write({}))).toEqual(write({}));
    expect(learnerMessage(write({ record: undefined }))).toEqual(write({ record: undefined }));
    expect(learnerMessage(write({ type: OpCode.createSession, record: { timeoutMs: 4000 } }))).toMatchObject({ record: { timeoutMs: 4000 } });
    expect(learnerMessage(write({ type: OpCode.closeSession, record: {} }))).toMatchObject({ type: OpCode.closeSession });
    const multi = [{ type: OpCode.delete, request: { path: '/a', version: -1 } }];
    expect(learnerMessage(write({ type: OpCode.multi, record: multi }))).toMatchObject({ record: multi });
    expect(learnerMessage({ kind: 'revalidate', sessionId: 1n, timeoutMs: 4000, token: 2 })).toEqual({ kind: 'revalidate', sessionId: 1n, timeoutMs: 4000, token: 2 });
    expect(learnerMessage({ kind: 'sync', token: 7 })).toEqual({ kind: 'sync', token: 7 });
    expect(learnerMessage({ kind: 'touch', sessions: [[1n, 4000]] })).toEqual({ kind: 'touch', sessions: [[1n, 4000]] });
    expect(leaderMessage({ kind: 'revalidated', token: 1, valid: false })).toEqual({ kind: 'revalidated', token: 1, valid: false });
    expect(leaderMessage({ kind: 'synced', token: 1 })).toEqual({ kind: 'synced', token: 1 });
  });

  it('decodes a write forwarded as its client\'s bytes as this member would have decoded them from the client', () => {
    const viaBytes = (type: number, body: unknown) => {
      const m: Record<string, unknown> = write({ type, body });
      delete m['record'];
      return learnerMessage(m);
    };
    expect(viaBytes(OpCode.create, createBytes())).toEqual(write({}));
    // Trailing bytes are ignored, as they are from a client.
    expect(viaBytes(OpCode.create, Buffer.concat([createBytes(), Buffer.from([1, 2])]))).toEqual(write({}));
    // Bytes that do not decode reach prep as no record (MarshallingError), as the learner's own decode found.
    expect(viaBytes(OpCode.create, createBytes().subarray(0, 5))).toEqual(write({ record: undefined }));
    expect(viaBytes(OpCode.delete, Buffer.from([0, 0, 0, 2, 0x2f, 0x61, 0xff, 0xff, 0xff, 0xff]))).toMatchObject({ type: OpCode.delete, record: { path: '/a', version: -1 } });
    expect(viaBytes(OpCode.closeSession, Buffer.alloc(0))).toMatchObject({ type: OpCode.closeSession, record: {} });
    // A plain Uint8Array (what a decoder may give for bytes) is bytes too.
    expect(viaBytes(OpCode.create, new Uint8Array(createBytes()))).toEqual(write({}));
    // Not bytes, both forms at once, or a createSession (its client sent no record bytes): refused.
    for (const m of [viaBytes(OpCode.create, 'x'), viaBytes(OpCode.create, [1, 2]), viaBytes(OpCode.create, undefined), viaBytes(OpCode.createSession, createBytes()), learnerMessage(write({ body: createBytes() }))]) {
      expect(m).toBeNull();
    }
  });

  it('refuses anything with a wrong type, a missing field or an unknown kind', () => {
    const bad: unknown[] = [
      null,
      undefined,
      7,
      [],
      { kind: 'touch', sessions: 5 },
      { kind: 'touch', sessions: [[1, 4000]] },
      { kind: 'touch', sessions: [5] },
      { kind: 'sync', token: '1' },
      { kind: 'revalidate', sessionId: 1, timeoutMs: 1, token: 1 },
      { kind: 'nonsense' },
      write({ type: OpCode.deleteContainer }),
      write({ type: 99 }),
      write({ type: 'create' }),
      write({ sessionId: 5 }),
      write({ cxid: 1.5 }),
      write({ authIds: [{ scheme: 1 }] }),
      write({ authIds: null }),
      write({ record: { path: 5, data: null, acl: [], flags: 0 } }),
      write({ record: { path: '/a', data: null, acl: 'x', flags: 0 } }),
      write({ record: null }),
      write({ type: OpCode.multi, record: [{ type: 99, request: {} }] }),
      write({ type: OpCode.createSession, record: { timeoutMs: 'x' } }),
    ];
    for (const m of bad) expect(learnerMessage(m), JSON.stringify(m, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v))).toBeNull();
    for (const m of [null, { kind: 'synced' }, { kind: 'revalidated', token: 1, valid: 1 }, { kind: 'write', token: 1 }]) expect(leaderMessage(m)).toBeNull();
  });

  it('keeps only the fields of the record, with their types', () => {
    const m = learnerMessage(write({ record: { ...(decodedCreate() as object), extra: { deep: 1 } } }));
    expect(m).toEqual(write({}));
  });
});
