// Messages of zab's server-to-server protocol (packages/quorum/src/messages.ts), well formed or
// with fields of the wrong type, and the values a peer can put where a field should be: every
// msgpack type msgpackr decodes (numbers where bigints belong, floats, NaN, strings, nested
// arrays, maps, dates, errors, typed arrays, 64-bit extremes).
import { encodeFrame } from '@zab/quorum';
import type { Rng } from '../differential/rng.js';

export type Msg = Record<string, unknown>;

/** A frame as zab's transport encodes it: 4-byte big-endian length, then the msgpack value. */
export const peerFrame = (value: unknown): Buffer => encodeFrame(value);

/** A frame around bytes that are not (or not only) one msgpack value. */
export function rawFrame(body: Buffer, lengthOverride?: number): Buffer {
  const out = Buffer.allocUnsafe(4 + body.length);
  out.writeUInt32BE((lengthOverride ?? body.length) >>> 0, 0);
  body.copy(out, 4);
  return out;
}

export const LINK_TYPES = ['FOLLOWERINFO', 'OBSERVERINFO', 'LEADERINFO', 'ACKEPOCH', 'TRUNC', 'SNAP', 'DIFF', 'NEWLEADER', 'ACK', 'UPTODATE', 'PROPOSAL', 'COMMIT', 'INFORM', 'PING', 'REQUEST', 'APP', 'NOTLEADER'] as const;
export type LinkType = (typeof LINK_TYPES)[number];
const STATES = ['LOOKING', 'LEADING', 'FOLLOWING', 'OBSERVING'];

function deep(n: number): unknown {
  let v: unknown = 0;
  for (let i = 0; i < n; i++) v = [v];
  return v;
}

/** Values of every type msgpack carries, for putting where they do not belong. */
export function oddValue(rng: Rng): unknown {
  const pool: (() => unknown)[] = [
    () => null,
    () => rng.bool(),
    () => rng.pick([0, -1, 1, 2 ** 31, -(2 ** 31), 2 ** 53, 1.5, -0.5, NaN, Infinity, -Infinity]),
    () => rng.pick([0n, -1n, 1n, (1n << 63n) - 1n, -(1n << 63n), 1n << 40n]),
    () => rng.pick(['', 'x', '1', 'LOOKING', '__proto__', 'constructor', 'x'.repeat(10_000)]),
    () => Buffer.from(rng.bytes(rng.int(40))),
    () => [],
    () => [rng.u32(), 'a', null],
    () => ({}),
    () => new Map<string, unknown>([['__proto__', { polluted: true }], ['constructor', { prototype: { polluted: true } }]]),
    () => new Map<unknown, unknown>([[1, 2], ['k', [3]]]),
    () => new Set([1, 2]),
    () => new Date(rng.u32() * 1000),
    () => new Error('fuzz'),
    () => new Uint16Array(rng.int(8)),
    () => /fuzz/g,
    () => deep(rng.pick([10, 100])),
  ];
  return rng.pick(pool)();
}

function someZxid(rng: Rng): bigint {
  return rng.bool(0.5) ? BigInt(rng.int(1000)) : (BigInt(rng.int(16)) << 32n) | BigInt(rng.u32());
}

/** A payload a learner's host might send its leader (or the reverse), true to zab's shapes or not. */
export function appPayload(rng: Rng): unknown {
  switch (rng.int(8)) {
    case 0:
      return oddValue(rng);
    case 1:
      return { kind: 'touch', sessions: rng.bool() ? [[BigInt(rng.u32()), 4000]] : oddValue(rng) };
    case 2:
      return { kind: 'sync', token: rng.bool() ? rng.int(100) : oddValue(rng) };
    case 3:
      return { kind: 'revalidate', sessionId: rng.bool() ? BigInt(rng.u32()) : oddValue(rng), timeoutMs: rng.bool() ? 4000 : oddValue(rng), token: rng.int(100) };
    case 4:
      return {
        kind: 'write',
        type: rng.pick([1, 2, 5, 7, 14, 15, 19, 21, -10, -11, 0, 99, 'x']),
        sessionId: rng.bool() ? 0n : oddValue(rng),
        cxid: rng.bool() ? rng.int(100) : oddValue(rng),
        record: rng.bool(0.3) ? { path: '/fuzz/peer', data: null, acl: [], flags: 1 } : oddValue(rng),
        authIds: rng.bool() ? [] : oddValue(rng),
      };
    case 5:
      return { kind: rng.pick(['synced', 'revalidated', 'nonsense', '__proto__']), token: oddValue(rng), valid: oddValue(rng) };
    case 6:
      return { kind: oddValue(rng) };
    default:
      return undefined;
  }
}

/** A well-typed message of `type` on `link`, with random values in its fields. */
export function linkMessage(rng: Rng, type: LinkType, link: number): Msg {
  const z = () => someZxid(rng);
  const entries = () => Array.from({ length: rng.int(3) }, () => ({ zxid: z(), payload: appPayload(rng) }));
  switch (type) {
    case 'FOLLOWERINFO':
    case 'OBSERVERINFO':
      return { type, link, acceptedEpoch: BigInt(rng.int(3)), lastZxid: z() };
    case 'LEADERINFO':
      return { type, link, epoch: BigInt(rng.int(1000)) };
    case 'ACKEPOCH':
      return { type, link, currentEpoch: BigInt(rng.int(1000)), lastZxid: z(), appliedZxid: z(), snapshotZxid: z() };
    case 'TRUNC':
    case 'NEWLEADER':
    case 'UPTODATE':
    case 'COMMIT':
      return { type, link, zxid: z() };
    case 'SNAP':
      return { type, link, zxid: z(), snapshot: appPayload(rng) };
    case 'DIFF':
    case 'PROPOSAL':
    case 'INFORM':
      return { type, link, entries: entries() };
    case 'ACK':
      return { type, link, zxid: z(), newLeader: rng.bool() };
    case 'PING':
      return rng.bool(0.5) ? { type, link, round: rng.int(1000) } : { type, link, round: rng.int(1000), payload: appPayload(rng) };
    case 'REQUEST':
    case 'APP':
      return { type, link, payload: appPayload(rng) };
    case 'NOTLEADER':
      return { type, link };
  }
}

/** A well-typed election notification. */
export function notification(rng: Rng, sids: readonly number[]): Msg {
  return {
    type: 'NOTIFICATION',
    leader: rng.bool(0.9) ? rng.pick(sids) : rng.pick([-1, 0, 99]),
    zxid: someZxid(rng),
    electionEpoch: BigInt(rng.int(50)),
    peerEpoch: BigInt(rng.int(50)),
    state: rng.pick(STATES),
  };
}

/**
 * The same message with the wrong types: a field's value swapped for an odd one, a field
 * dropped, an unknown type, or not an object at all. Returns what it did.
 */
export function breakMessage(rng: Rng, m: Msg): { value: unknown; what: string } {
  const keys = Object.keys(m);
  switch (rng.int(6)) {
    case 0:
    case 1:
    case 2: {
      const k = rng.pick(keys);
      const v = oddValue(rng);
      return { value: { ...m, [k]: v }, what: `${String(m.type)}.${k} = ${describe(v)}` };
    }
    case 3: {
      const k = rng.pick(keys);
      const { [k]: _dropped, ...rest } = m;
      return { value: rest, what: `${String(m.type)} without ${k}` };
    }
    case 4: {
      const t = rng.pick(['', 'notification', 'ACKX', 'hello', 'part', 'toString', '__proto__']);
      return { value: { ...m, type: rng.bool(0.7) ? t : oddValue(rng) }, what: `type ${JSON.stringify(t)} or odd` };
    }
    default: {
      const v = rng.pick<unknown>([null, 0, 'NOTIFICATION', [m], Object.values(m), true]);
      return { value: v, what: `message as ${describe(v)}` };
    }
  }
}

export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return `array(${v.length})`;
  if (Buffer.isBuffer(v)) return `buffer(${v.length})`;
  if (typeof v === 'object') return v.constructor?.name ?? 'object';
  if (typeof v === 'string') return `string(${v.length})`;
  return `${typeof v} ${String(v)}`;
}

/**
 * Bytes that do not decode as msgpack, or decode into something odd: truncated values, msgpack
 * extension types (msgpackr's own among them: records, bundled strings), absurd container
 * lengths, reserved bytes.
 */
export function rawMsgpack(rng: Rng): Buffer {
  const good = peerFrame({ type: 'PING', link: 1, round: 1 }).subarray(4);
  switch (rng.int(8)) {
    case 0:
      return good.subarray(0, rng.int(good.length));
    case 7: {
      // Arrays nested deeper than a recursive decoder's stack (msgpackr cannot even encode these).
      const n = rng.pick([1_000, 20_000, 200_000]);
      return Buffer.concat([Buffer.alloc(n, 0x91), Buffer.from([0x00])]);
    }
    case 1:
      return Buffer.from([0xd4 + rng.int(5), rng.int(256), ...rng.bytes(rng.int(20))]); // fixext of a random type
    case 2:
      return Buffer.from([rng.pick([0xdd, 0xdf, 0xdb, 0xc6]), 0xff, 0xff, 0xff, rng.int(256), ...rng.bytes(rng.int(8))]); // 32-bit lengths, huge
    case 3:
      return Buffer.from([0xc1, ...rng.bytes(rng.int(8))]); // never used
    case 4:
      return Buffer.from([0xc7, rng.int(256), 0x72, ...rng.bytes(rng.int(40))]); // ext 'r': msgpackr record definitions
    case 5:
      return Buffer.from([0xd6, 0x62, ...rng.bytes(4)]); // ext 'b': msgpackr bundled strings
    default:
      return rng.bytes(1 + rng.int(64));
  }
}
