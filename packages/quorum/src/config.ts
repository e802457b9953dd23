/**
 * The fixed facts a peer runs by: its id and its timings. Durations are in core ticks (the
 * driver decides how long a tick is); sizes are counts. Membership is not among them: it is
 * data that changes by reconfiguration (see Configuration and PeerInit.config).
 */
export interface QuorumConfig {
  readonly myId: number;
  /** A leader must be established, and a learner synced, within this many ticks. */
  readonly initLimitTicks: number;
  /** A leader not hearing from a quorum, or a learner from its leader, for this long gives up. */
  readonly syncLimitTicks: number;
  readonly pingIntervalTicks: number;
  /** How long a LOOKING peer holding a quorum waits for a better vote. */
  readonly finalizeWaitTicks: number;
  readonly notificationTimeoutTicks: number;
  readonly maxNotificationTimeoutTicks: number;
  /** How often a learner repeats FOLLOWERINFO while its leader is not yet listening. */
  readonly learnerRetryTicks: number;
  /** Committed txns kept in memory for DIFF; a learner further behind gets SNAP. */
  readonly committedLogMax: number;
  /** ...and no more than this many bytes of them, as `entryBytes` sizes a payload. */
  readonly committedLogMaxBytes: number;
  readonly entryBytes: (payload: unknown) => number;
}

export interface QuorumTimings {
  initLimitTicks: number;
  syncLimitTicks: number;
  pingIntervalTicks?: number;
  finalizeWaitTicks?: number;
  notificationTimeoutTicks?: number;
  maxNotificationTimeoutTicks?: number;
  learnerRetryTicks?: number;
  committedLogMax?: number;
  committedLogMaxBytes?: number;
  entryBytes?: (payload: unknown) => number;
}

export function quorumConfig(myId: number, t: QuorumTimings): QuorumConfig {
  if (!Number.isInteger(myId) || myId <= 0) throw new Error(`server id ${myId} is not a positive integer`);
  return Object.freeze({
    myId,
    initLimitTicks: t.initLimitTicks,
    syncLimitTicks: t.syncLimitTicks,
    pingIntervalTicks: t.pingIntervalTicks ?? Math.max(1, Math.floor(t.syncLimitTicks / 4)),
    finalizeWaitTicks: t.finalizeWaitTicks ?? 1,
    notificationTimeoutTicks: t.notificationTimeoutTicks ?? 4,
    maxNotificationTimeoutTicks: t.maxNotificationTimeoutTicks ?? 40,
    learnerRetryTicks: t.learnerRetryTicks ?? 2,
    committedLogMax: t.committedLogMax ?? 500,
    committedLogMaxBytes: t.committedLogMaxBytes ?? Infinity,
    entryBytes: t.entryBytes ?? (() => 0),
  });
}
