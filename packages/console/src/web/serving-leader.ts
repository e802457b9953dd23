// Which member the console names as the ensemble's leader.
import type { MemberFigures } from './api.js';

/**
 * The member that leads and serves, or a standalone server; undefined while there is none. A
 * member just elected is LEADING before a quorum has taken its new epoch (the epoch it reports
 * is still the old one): it is not named until it serves.
 */
export function servingLeader(members: readonly MemberFigures[]): MemberFigures | undefined {
  return members.find((m) => (m.ensemble?.state === 'LEADING' && m.ensemble.serving) || m.ensemble?.state === 'STANDALONE');
}
