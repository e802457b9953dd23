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
 * One fault: applied at `atMs` after the workload starts, healed `durationMs` later. Targets
 * that depend on the run (which member leads) are chosen when the episode starts, from
 * `picks` (uniform numbers in [0,1) fixed by the seed), so a seed always makes the same
 * choices given the same leader.
 */
export interface Episode {
  readonly kind: FaultKind;
  readonly atMs: number;
  readonly durationMs: number;
  readonly picks: readonly number[];
  /** `degrade` only: how bad the member's links get. */
  readonly degradation?: { lossPercent: number; delayMs: number; jitterMs: number; reorderPercent: number };
}

export interface Schedule {
  readonly seed: number;
  readonly episodes: readonly Episode[];
  /** When everything is healed for the last time (the end of the faulty period). */
  readonly healAtMs: number;
}

export interface ScheduleOptions {
  seconds: number;
  /** syncLimit in ms: a paused leader is stopped for longer than this. */
  syncLimitMs: number;
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
    const durationMs = durationOf(kind, rnd, short, totalMs, opts.syncLimitMs);
    const picks = Array.from({ length: 4 }, () => rnd.float());
    const degradation =
      kind === 'degrade'
        ? { lossPercent: rnd.between(2, 20), delayMs: rnd.between(20, 200), jitterMs: rnd.between(5, 50), reorderPercent: rnd.between(5, 30) }
        : undefined;
    const gapMs = rnd.between(1_500, short ? 2_500 : 5_000);
    if (t + durationMs + 1_000 > totalMs) break;
    episodes.push({ kind, atMs: t, durationMs, picks, ...(degradation ? { degradation } : {}) });
    t += durationMs + gapMs;
  }
  return { seed, episodes, healAtMs: totalMs };
}

function durationOf(kind: FaultKind, rnd: SeededRandom, short: boolean, totalMs: number, syncLimitMs: number): number {
  switch (kind) {
    case 'pause':
      // Past syncLimit, so the others elect a new leader while this one is stopped.
      return rnd.between(Math.round(syncLimitMs * 1.5), Math.round(syncLimitMs * (short ? 2.5 : 4)));
    case 'isolate-leader':
      return short ? rnd.between(3_000, 6_000) : rnd.between(4_000, Math.max(5_000, Math.min(45_000, totalMs / 4)));
    default:
      return short ? rnd.between(2_500, 5_500) : rnd.between(3_000, 12_000);
  }
}
