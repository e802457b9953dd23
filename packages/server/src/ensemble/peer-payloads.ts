import { type Codec, JuteReader, JuteWriter, OpCode, opRecords } from '@zab/jute';
import { decodeRequest } from '../pipeline/decode.js';
import { isWriteType } from '../pipeline/prep.js';
import type { AppMessage, ForwardedRequest } from './app-messages.js';

// The quorum core carries its hosts' payloads without reading them, so what a peer sends in a
// REQUEST, PING or APP message reaches this member's host exactly as the peer wrote it. A peer
// that speaks garbage must not reach the server core, where a wrong type throws inside the
// effect runner: every payload is checked here, field by field, before it is acted on.

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

/**
 * The record of a forwarded write, re-made through the codec jute's opcode table names for its
 * type (as the learner decoded it from its client's bytes), or null when it cannot be one.
 * `undefined` stays undefined: the learner could not decode its client's body, and prep
 * answers MarshallingError.
 */
function forwardedRecord(type: number, record: unknown): { record: unknown } | null {
  if (record === undefined) return { record: undefined };
  if (type === OpCode.createSession) {
    if (!isObject(record) || !isWhole(record['timeoutMs']) || record['timeoutMs'] <= 0) return null;
    return { record: { timeoutMs: record['timeoutMs'] } };
  }
  const codec = opRecords(type)?.request;
  if (codec === undefined) return null;
  if (codec === null) return { record: {} };
  const checked = roundTrip(codec, record);
  return checked === undefined ? null : { record: checked };
}

/**
 * The record of a write forwarded as its client's bytes, decoded as this member would decode
 * them from the client itself (undefined when they do not decode: prep answers
 * MarshallingError, as the learner's own decode found). A createSession has no client bytes.
 */
function forwardedBody(type: number, body: unknown): { record: unknown } | null {
  if (!(body instanceof Uint8Array) || type === OpCode.createSession) return null;
  const bytes = Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  return { record: decodeRequest(type, new JuteReader(bytes)) };
}

/** A forwarded write whose every field has its type, or null. A learner forwards no deleteContainer: only a leader's reaper makes one. */
function forwardedWrite(m: Record<string, unknown>): ForwardedRequest | null {
  const { type, sessionId, cxid, record, authIds } = m;
  if (!isInt32(type) || !isWriteType(type) || type === OpCode.deleteContainer) return null;
  if (typeof sessionId !== 'bigint' || !isInt32(cxid)) return null;
  if (!Array.isArray(authIds) || !authIds.every((a) => isObject(a) && typeof a['scheme'] === 'string' && typeof a['id'] === 'string')) return null;
  if ('body' in m && 'record' in m) return null;
  const checked = 'body' in m ? forwardedBody(type, m['body']) : forwardedRecord(type, record);
  if (!checked) return null;
  const ids = authIds.map((a) => ({ scheme: a['scheme'] as string, id: a['id'] as string }));
  return { kind: 'write', type, sessionId, cxid, record: checked.record, authIds: ids };
}

/**
 * A learner's message for the leader's host (a forwarded write, a revalidation, a sync, session
 * touches), checked field by field and rebuilt with only its own fields, or null when it is not one.
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
      return { kind: 'touch', sessions: s.map((x) => [x[0] as bigint, x[1] as number]) };
    }
    default:
      return null;
  }
}

/** The leader's answer for a learner's host (synced, revalidated), checked, or null when it is not one. */
export function leaderMessage(m: unknown): AppMessage | null {
  if (!isObject(m) || !isWhole(m['token'])) return null;
  if (m['kind'] === 'synced') return { kind: 'synced', token: m['token'] };
  if (m['kind'] === 'revalidated' && typeof m['valid'] === 'boolean') {
    const closing = m['closing'];
    if (closing !== undefined && typeof closing !== 'boolean') return null;
    return { kind: 'revalidated', token: m['token'], valid: m['valid'], ...(closing ? { closing: true } : {}) };
  }
  return null;
}
