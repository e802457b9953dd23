/** The anomaly kinds a run counts, each separately (issue 13's list, plus what the checks add). */
export const ANOMALY_KINDS = [
  /** A register's writes, compare-and-sets and sync+reads have no linearization. */
  'non-linearizable',
  /** The linearizability search ran out of budget: the register could not be checked. */
  'unchecked',
  /** A session saw a register state older than one it had already seen or written. */
  'session-order',
  /** A plain read returned a state no write produced. */
  'phantom-read',
  /** An acknowledged write is missing at the end (or after the members restart). */
  'lost-write',
  /** A write the client was told failed took effect. */
  'failed-write-applied',
  /** A sequence number handed out twice, or skipped. */
  'sequence',
  /** Members whose trees differ once healed and quiet. */
  'divergent-members',
  /** Two clients held the lock, or owned the ephemeral node, at once. */
  'two-holders',
  /** The persistent recursive watcher missed, repeated or reordered a change while connected. */
  'watch',
  /** A client told its session expired when no committed closeSession came before. */
  'expired-uncommitted',
  /** A member process exited without being asked to. */
  'member-crash',
] as const;
export type AnomalyKind = (typeof ANOMALY_KINDS)[number];

/** Anomalies found by the checks: counts by kind, and a few lines of detail each. */
export class Anomalies {
  readonly counts = new Map<AnomalyKind, number>();
  readonly details = new Map<AnomalyKind, string[]>();

  add(kind: AnomalyKind, detail: string, count = 1): void {
    this.counts.set(kind, (this.counts.get(kind) ?? 0) + count);
    const list = this.details.get(kind) ?? [];
    // Bounded: the first few are what a reader needs.
    if (list.length < 5) list.push(detail);
    this.details.set(kind, list);
  }

  get total(): number {
    let n = 0;
    for (const c of this.counts.values()) n += c;
    return n;
  }
}
