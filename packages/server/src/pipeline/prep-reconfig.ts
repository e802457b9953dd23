import { ErrorCode, type ReconfigRequest } from '@zab/jute';
import { configuration, type Configuration, type Member } from '@zab/quorum';
import { memberOf, parseServerLines } from '../config/dynamic-config.js';
import { ConfigError } from '../config/properties.js';
import { parseServerSpec } from '../config/server-spec.js';

/**
 * What prep needs of the quorum to check a reconfig request: only a leader has it (a learner
 * forwards its clients' writes to the leader; a standalone server answers Unimplemented, as
 * 3.8's does).
 */
export interface ReconfigView {
  /** The newest configuration this leader knows: the proposed one while a reconfig is in flight, else the active one. */
  lastSeen(): Configuration;
  /** A reconfiguration is proposed and not yet committed. */
  inProgress(): boolean;
  /** The leader and its synced followers hold a quorum of `c` (3.8's Leader.isQuorumSynced). */
  isQuorumSynced(c: Configuration): boolean;
  /** zoo.cfg's standaloneEnabled: when true (the default) a configuration needs at least 2 voters. */
  readonly standaloneEnabled: boolean;
}

/** A reconfig request refused with this wire error code. */
export class ReconfigRefused extends Error {
  constructor(readonly code: number, why: string) {
    super(why);
  }
}

/**
 * The configuration a reconfig request asks for, at version `zxid`, checked in 3.8's order:
 * in progress (ReconfigInProgress), `curConfigId` (BadVersion), the request's text
 * (BadArguments; a leaving or joining id that is not a number is MarshallingError, as 3.8's
 * NumberFormatException is), voters left (BadArguments), a synced quorum of the new
 * configuration (NewConfigNoQuorum). The caller checks the session before and the ACL after.
 */
export function reconfigTarget(r: ReconfigRequest, view: ReconfigView, zxid: bigint): Configuration {
  if (view.inProgress()) throw new ReconfigRefused(ErrorCode.RECONFIGINPROGRESS, 'a reconfiguration is in progress');
  const last = view.lastSeen();
  if (r.curConfigId !== -1n && r.curConfigId !== last.version) {
    throw new ReconfigRefused(ErrorCode.BADVERSION, `reconfiguration from version ${r.curConfigId.toString(16)} failed: the last seen version is ${last.version.toString(16)}`);
  }
  const members = r.newMembers !== null ? wholeMembers(r.newMembers) : incremental(last, r.joiningServers, r.leavingServers);
  const voters = members.filter((m) => m.role === 'participant').length;
  if (view.standaloneEnabled && voters < 2) throw new ReconfigRefused(ErrorCode.BADARGUMENTS, 'the new configuration must include at least 2 voters');
  if (voters < 1) throw new ReconfigRefused(ErrorCode.BADARGUMENTS, 'the new configuration must include at least 1 voter');
  let next: Configuration;
  try {
    next = configuration(zxid, members);
  } catch (e) {
    throw new ReconfigRefused(ErrorCode.BADARGUMENTS, (e as Error).message); // a server id of 0 or below
  }
  if (!view.isQuorumSynced(next)) throw new ReconfigRefused(ErrorCode.NEWCONFIGNOQUORUM, 'no quorum of the new configuration is connected and synced with the leader');
  return next;
}

/** A non-incremental reconfig: the whole member list, separated by commas or newlines. */
function wholeMembers(text: string): Member[] {
  try {
    return parseServerLines(text.replaceAll(',', '\n'), 'reconfig members').map(memberOf);
  } catch (e) {
    if (e instanceof ConfigError) throw new ReconfigRefused(ErrorCode.BADARGUMENTS, e.message);
    throw e;
  }
}

/** An incremental reconfig: the last seen members, less the leaving ids, with the joining servers added or replaced. */
function incremental(last: Configuration, joining: string | null, leaving: string | null): Member[] {
  const next = new Map<number, Member>(last.members.map((m) => [m.sid, m]));
  for (const id of splitList(leaving)) next.delete(javaLong(id));
  for (const joiner of splitList(joining)) {
    const parts = joiner.split('=');
    if (parts.length !== 2) throw new ReconfigRefused(ErrorCode.BADARGUMENTS, `${joiner}: wrong format of server string`);
    const sid = javaLong(parts[0]!.slice(parts[0]!.lastIndexOf('.') + 1));
    let spec;
    try {
      spec = parseServerSpec({ key: `server.${sid}`, value: parts[1]!.trim(), where: 'reconfig' }, sid);
    } catch (e) {
      if (e instanceof ConfigError) throw new ReconfigRefused(ErrorCode.BADARGUMENTS, e.message);
      throw e;
    }
    if (spec.clientPort === undefined) throw new ReconfigRefused(ErrorCode.BADARGUMENTS, `${joiner}: each server needs its quorum, election and client ports`);
    next.set(sid, memberOf(spec));
  }
  return [...next.values()];
}

/** 3.8's StringUtils.split: parts trimmed, empty ones dropped; null is none. */
function splitList(s: string | null): string[] {
  return (s ?? '').split(',').map((x) => x.trim()).filter((x) => x !== '');
}

/** Long.parseLong: a number that is not one fails the whole request (MarshallingError in 3.8). */
function javaLong(s: string): number {
  if (!/^[+-]?\d+$/.test(s)) throw new ReconfigRefused(ErrorCode.MARSHALLINGERROR, `${s} is not a server id`);
  return Number(s);
}
