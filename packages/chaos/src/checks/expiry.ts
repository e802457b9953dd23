import type { OpRecord, StateEvent } from '../run/history.js';
import type { Anomalies } from './anomalies.js';

/** A committed closeSession: the session and the txn's time (Unix ms, set by the leader at prep). */
export interface CommittedClose {
  session: string;
  timeMs: number;
}

/**
 * A client may be told its session expired only after the ensemble committed the session's
 * close. The txn's time is taken when the leader prepares it, before it commits, so a close
 * whose time is after the moment the client was told was certainly not committed then; one
 * with no close at all never was. (A close prepared just before and committed just after the
 * telling slips through: the check errs towards silence, never towards a false alarm.)
 */
export function checkExpiries(ops: readonly OpRecord[], states: readonly StateEvent[], closes: readonly CommittedClose[], anomalies: Anomalies): number {
  const closedAt = new Map<string, number>();
  for (const c of closes) closedAt.set(c.session, Math.min(c.timeMs, closedAt.get(c.session) ?? Infinity));
  const told = new Map<string, { wall: number; client: string; how: string }>();
  const note = (session: string | null | undefined, wall: number | undefined, client: string, how: string) => {
    if (!session || wall === undefined) return;
    const before = told.get(session);
    if (!before || wall < before.wall) told.set(session, { wall, client, how });
  };
  for (const s of states) if (s.state === 'expired') note(s.session, s.wall, s.client, 'session state Expired');
  for (const o of ops) if (o.expiredSession) note(o.expiredSession, o.wall, o.client, `SessionExpired on op #${o.id}`);
  for (const [session, t] of told) {
    const closed = closedAt.get(session);
    if (closed !== undefined && closed <= t.wall) continue;
    anomalies.add(
      'expired-uncommitted',
      `${t.client}: session ${session} told expired (${t.how}) at ${new Date(t.wall).toISOString()}, ` +
        (closed === undefined ? 'and the ensemble never committed its close' : `but its close was only prepared at ${new Date(closed).toISOString()}`),
    );
  }
  return told.size;
}
