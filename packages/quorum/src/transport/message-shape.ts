import type { LinkMessage } from '../messages.js';
import { isPort } from './hello.js';

/**
 * What a connection may carry: an election connection notifications only; a learner link
 * messages naming that link only (a message naming another link would reach the core as if
 * it came on the real one).
 */
export type Channel = { kind: 'election' } | { kind: 'link'; link: number };

const STATES = new Set(['LOOKING', 'LEADING', 'FOLLOWING', 'OBSERVING']);

const isZxid = (v: unknown): boolean => typeof v === 'bigint' && v >= 0n;
/** Server ids and counters: whole numbers msgpack carries exactly. */
const isWhole = (v: unknown): boolean => typeof v === 'number' && Number.isSafeInteger(v);
export const isLinkId = (v: unknown): v is number => isWhole(v) && (v as number) >= 0;

/** Every listed field present and a zxid (or epoch): a non-negative 64-bit bigint. */
function zxids(m: Record<string, unknown>, ...fields: string[]): string | null {
  for (const f of fields) if (!isZxid(m[f])) return `${f} is not a zxid`;
  return null;
}

/** Entries of a DIFF, PROPOSAL or INFORM: {zxid, payload}, zxids strictly ascending. */
function entries(v: unknown): string | null {
  if (!Array.isArray(v)) return 'entries is not a list';
  let last = -1n;
  for (const e of v) {
    if (!isPlainObject(e) || !isZxid(e['zxid']) || !('payload' in e)) return 'an entry is not {zxid, payload}';
    if (e['config'] !== undefined) {
      const bad = configProblem(e['config'], 'an entry\'s config');
      if (bad) return bad;
    }
    if ((e['zxid'] as bigint) <= last) return 'entries are not in zxid order';
    last = e['zxid'] as bigint;
  }
  return null;
}

/** A configuration as configuration.ts builds it: version, members with ids, roles and addresses. */
function configProblem(v: unknown, what: string): string | null {
  if (!isPlainObject(v) || !isZxid(v['version']) || !Array.isArray(v['members'])) return `${what} is not a configuration`;
  const sids = new Set<unknown>();
  for (const m of v['members'] as unknown[]) {
    if (!isPlainObject(m) || !isWhole(m['sid']) || (m['sid'] as number) <= 0 || sids.has(m['sid'])) return `${what} has a member without a distinct server id`;
    sids.add(m['sid']);
    if (m['role'] !== 'participant' && m['role'] !== 'observer') return `${what}: server ${String(m['sid'])} has no role`;
    if (typeof m['host'] !== 'string' || !isPort(m['quorumPort']) || !isPort(m['electionPort'])) return `${what}: server ${String(m['sid'])} has no address`;
    if ((m['clientHost'] !== undefined && typeof m['clientHost'] !== 'string') || (m['clientPort'] !== undefined && !isPort(m['clientPort']))) {
      return `${what}: server ${String(m['sid'])} has a bad client address`;
    }
  }
  return null;
}

/** The optional designatedLeader of UPTODATE, COMMIT and INFORM: a server id when present. */
const designated = (m: Record<string, unknown>): string | null =>
  m['designatedLeader'] === undefined || isWhole(m['designatedLeader']) ? null : `${String(m['type'])}.designatedLeader is not a server id`;

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/**
 * Why `m`, decoded from a peer's frame on `channel`, is not a message of this protocol
 * (messages.ts) with every field of its type, or null when it is. Payloads (P, snapshots,
 * host messages) are opaque here: the host checks them.
 */
export function messageProblem(m: unknown, channel: Channel): string | null {
  if (!isPlainObject(m)) return 'not a message object';
  const type = m['type'];
  if (typeof type !== 'string') return 'no message type';
  if (channel.kind === 'election') {
    if (type !== 'NOTIFICATION') return `${type} on an election connection`;
    if (!isWhole(m['leader'])) return 'NOTIFICATION.leader is not a server id';
    if (typeof m['state'] !== 'string' || !STATES.has(m['state'])) return 'NOTIFICATION.state is not a peer state';
    return zxids(m, 'zxid', 'electionEpoch', 'peerEpoch') ?? configProblem(m['config'], 'NOTIFICATION.config');
  }
  if (m['link'] !== channel.link) return `${type} names link ${String(m['link'])}, not this connection's ${channel.link}`;
  switch (type as LinkMessage<unknown>['type']) {
    case 'FOLLOWERINFO':
    case 'OBSERVERINFO':
      return zxids(m, 'acceptedEpoch', 'lastZxid');
    case 'LEADERINFO':
      return zxids(m, 'epoch');
    case 'ACKEPOCH':
      return zxids(m, 'currentEpoch', 'lastZxid', 'appliedZxid', 'snapshotZxid');
    case 'TRUNC':
      return zxids(m, 'zxid');
    case 'SNAP':
      return zxids(m, 'zxid') ?? configProblem(m['config'], 'SNAP.config');
    case 'NEWLEADER': {
      const configs = m['configs'];
      if (!Array.isArray(configs)) return 'NEWLEADER.configs is not a list';
      return zxids(m, 'zxid') ?? configs.reduce<string | null>((bad, c) => bad ?? configProblem(c, 'NEWLEADER.configs'), null);
    }
    case 'UPTODATE':
      return zxids(m, 'zxid') ?? configProblem(m['config'], 'UPTODATE.config') ?? designated(m);
    case 'COMMIT':
      return zxids(m, 'zxid') ?? designated(m);
    case 'INFORM':
      return entries(m['entries']) ?? designated(m);
    case 'DIFF':
    case 'PROPOSAL':
      return entries(m['entries']);
    case 'ACK':
      return typeof m['newLeader'] === 'boolean' ? zxids(m, 'zxid') : 'ACK.newLeader is not a boolean';
    case 'PING':
      return isWhole(m['round']) ? null : 'PING.round is not a whole number';
    case 'REQUEST':
    case 'APP':
      return 'payload' in m ? null : `${type} without a payload`;
    case 'NOTLEADER':
      return null;
    default:
      return `unknown message type ${JSON.stringify(type).slice(0, 40)}`;
  }
}
