import { SeededRandom } from './random.js';

/** The faults of issue 13's list, one episode at a time. */
export const FAULT_KINDS = [
  'isolate-leader',
  'halves',
  'bridge',
  'cut-client',
  'kill',
  'pause',
  'degrade',
  'disk-full',
  'disk-slow',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/**
 * One fault: applied, healed `durationMs` later, then (once every member serves again, or
 * the liveness bound has passed) `gapMs` of quiet before the next. Targets that depend on the
 * run (which member leads) are chosen when the episode starts, from `picks` (uniform numbers
 * in [0,1) fixed by the seed), so a seed always makes the same choices given the same leader.
 */
export interface Episode {
  readonly kind: FaultKind;
  /** Nominal start, ms after the workload starts (the run shifts it by the time to serve after each heal). */
  readonly atMs: number;
  readonly durationMs: number;
  readonly gapMs: number;
  readonly picks: readonly number[];
  /** `pause` only: the member is also cut off from the other members until it has had syncLimit to notice. */
  readonly isolated?: boolean;
  /** `degrade` only: how bad the member's links get. */
  readonly degradation?: { lossPercent: number; delayMs: number; jitterMs: number; reorderPercent: number };
}

export interface Schedule {
  readonly seed: number;
  readonly episodes: readonly Episode[];
}

export interface ScheduleOptions {
  seconds: number;
  /** syncLimit in ms: a paused leader is stopped for longer than this. */
  syncLimitMs: number;
  /** The clients' session timeout: a pause outlasts it, so sessions come due while stopped. */
  sessionTimeoutMs: number;
}

const WARMUP_MS = 3_000;

/**
 * The fault schedule of a seed: a pure function of (seed, options). Kinds are dealt from
 * shuffled decks of all nine, so even a short run meets every kind once before any repeats.
 * Short runs (under two minutes) keep episodes to a few seconds so all nine fit; longer runs
 * isolate a leader for up to 45 s, the case that once took 11 s to heal.
 */
export function makeSchedule(seed: number, opts: ScheduleOptions): Schedule {
  const rnd = new SeededRandom(seed).fork('schedule');
  const totalMs = opts.seconds * 1_000;
  const short = opts.seconds < 120;
  const episodes: Episode[] = [];
  let deck: FaultKind[] = [];
  let t = WARMUP_MS;
  for (;;) {
    if (!deck.length) deck = rnd.shuffle(FAULT_KINDS);
    const kind = deck.shift()!;
    const durationMs = durationOf(kind, rnd, short, totalMs, opts);
    const picks = Array.from({ length: 4 }, () => rnd.float());
    const degradation =
      kind === 'degrade'
        ? { lossPercent: rnd.between(2, 20), delayMs: rnd.between(20, 200), jitterMs: rnd.between(5, 50), reorderPercent: rnd.between(5, 30) }
        : undefined;
    const isolated = kind === 'pause' && rnd.float() < 0.5;
    const gapMs = rnd.between(1_500, short ? 2_500 : 5_000);
    if (t + durationMs > totalMs) break;
    episodes.push({ kind, atMs: t, durationMs, gapMs, picks, ...(isolated ? { isolated } : {}), ...(degradation ? { degradation } : {}) });
    t += durationMs + gapMs;
  }
  return { seed, episodes };
}

function durationOf(kind: FaultKind, rnd: SeededRandom, short: boolean, totalMs: number, opts: ScheduleOptions): number {
  switch (kind) {
    case 'pause': {
      // Past syncLimit, so the others elect a new leader while this one is stopped, and past
      // the session timeout, so the stopped member finds its sessions due when it continues.
      const min = Math.max(Math.round(opts.syncLimitMs * 1.5), opts.sessionTimeoutMs + 500);
      return rnd.between(min, min + (short ? 2_500 : 6_000));
    }
    case 'isolate-leader':
      return short ? rnd.between(3_000, 6_000) : rnd.between(4_000, Math.max(5_000, Math.min(45_000, totalMs / 4)));
    default:
      return short ? rnd.between(2_500, 5_500) : rnd.between(3_000, 12_000);
  }
}
