import {
  CheckVersionRequest,
  type Codec,
  CreateRequest,
  CreateTTLRequest,
  DeleteRequest,
  JuteReader,
  JuteWriter,
  OpCode,
  SetACLRequest,
  SetDataRequest,
  readMultiRequest,
  writeMultiRequest,
  type MultiOp,
} from '@zab/jute';
import type { ForwardedRequest } from './zk-server.js';

/** What the hosts of an ensemble say to each other inside the quorum's REQUEST, PING and APP messages. */
export type AppMessage =
  | ForwardedRequest
  | { kind: 'sync'; token: number }
  | { kind: 'touch'; sessions: [bigint, number][] }
  | { kind: 'synced'; token: number }
  | { kind: 'revalidated'; token: number; valid: boolean };

const multiCodec: Codec<MultiOp[]> = { write: writeMultiRequest, read: readMultiRequest };

/** The records of the writes a learner forwards, by opcode (the bodies request-codecs.ts decodes). */
const FORWARDED: ReadonlyMap<number, Codec<any> | 'empty' | 'session'> = new Map<number, Codec<any> | 'empty' | 'session'>([
  [OpCode.create, CreateRequest],
  [OpCode.create2, CreateRequest],
  [OpCode.createContainer, CreateRequest],
  [OpCode.createTTL, CreateTTLRequest],
  [OpCode.delete, DeleteRequest],
  [OpCode.setData, SetDataRequest],
  [OpCode.setACL, SetACLRequest],
  [OpCode.check, CheckVersionRequest],
  [OpCode.multi, multiCodec],
  [OpCode.reconfig, 'empty'],
  [OpCode.closeSession, 'empty'],
  [OpCode.createSession, 'session'],
]);

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isWhole = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v);
const isInt32 = (v: unknown): v is number => isWhole(v) && v >= -0x8000_0000 && v <= 0x7fff_ffff;

/** The record as its codec writes and reads it again: right types throughout, or undefined when it cannot be written. */
function roundTrip<T>(codec: Codec<T>, record: unknown): T | undefined {
  try {
    const w = new JuteWriter();
    codec.write(w, record as T);
    const r = new JuteReader(w.toBuffer());
    const out = codec.read(r);
    return r.remaining === 0 ? out : undefined;
  } catch {
    return undefined;
  }
}

/** A forwarded write whose every field has its type (its record re-made through its codec), or null. */
function forwardedWrite(m: Record<string, unknown>): ForwardedRequest | null {
  const { type, sessionId, cxid, record, authIds } = m;
  const codec = isInt32(type) ? FORWARDED.get(type) : undefined;
  if (codec === undefined || typeof sessionId !== 'bigint' || !isInt32(cxid)) return null;
  if (!Array.isArray(authIds) || !authIds.every((a) => isObject(a) && typeof a['scheme'] === 'string' && typeof a['id'] === 'string')) return null;
  let checked: unknown;
  if (record === undefined) {
    checked = undefined; // the learner could not decode it: prep answers MarshallingError
  } else if (codec === 'empty') {
    checked = {};
  } else if (codec === 'session') {
    if (!isObject(record) || !isWhole(record['timeoutMs']) || record['timeoutMs'] <= 0) return null;
    checked = { timeoutMs: record['timeoutMs'] };
  } else {
    checked = roundTrip(codec, record);
    if (checked === undefined) return null;
  }
  const ids = authIds.map((a) => ({ scheme: a.scheme as string, id: a.id as string }));
  return { kind: 'write', type: type as number, sessionId, cxid: cxid as number, record: checked, authIds: ids };
}

/**
 * A learner's message for the leader's host (a forwarded write, a revalidation, a sync, session
 * touches), checked field by field, or null when it is not one: a peer that speaks garbage must
 * not reach the server core, where a wrong type would throw.
 */
export function learnerMessage(m: unknown): AppMessage | null {
  if (!isObject(m)) return null;
  switch (m['kind']) {
    case 'write':
      return forwardedWrite(m);
    case 'revalidate':
      return typeof m['sessionId'] === 'bigint' && isWhole(m['timeoutMs']) && isWhole(m['token'])
        ? { kind: 'revalidate', sessionId: m['sessionId'], timeoutMs: m['timeoutMs'], token: m['token'] }
        : null;
    case 'sync':
      return isWhole(m['token']) ? { kind: 'sync', token: m['token'] } : null;
    case 'touch': {
      const s = m['sessions'];
      if (!Array.isArray(s) || !s.every((x) => Array.isArray(x) && typeof x[0] === 'bigint' && isWhole(x[1]))) return null;
      return { kind: 'touch', sessions: s as [bigint, number][] };
    }
    default:
      return null;
  }
}

/** The leader's answer for a learner's host, checked, or null when it is not one. */
export function leaderMessage(m: unknown): AppMessage | null {
  if (!isObject(m) || !isWhole(m['token'])) return null;
  if (m['kind'] === 'synced') return { kind: 'synced', token: m['token'] };
  if (m['kind'] === 'revalidated' && typeof m['valid'] === 'boolean') return { kind: 'revalidated', token: m['token'], valid: m['valid'] };
  return null;
}
