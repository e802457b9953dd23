import { ANOMALY_KINDS, Anomalies, checkClients, checkExpiries, checkRestart, countOutcomes } from '@zab/chaos';
import type { MemberSimRun } from './simulation.js';
import { PATHS } from './workload.js';

/** One seed's verdict: what the checks found, and the figures a report prints. */
export interface MemberSimVerdict {
  seed: number;
  passed: boolean;
  ops: { total: number; ok: number; fail: number; info: number };
  /** Anomalies by kind (the chaos suite's kinds, plus 'liveness'). */
  anomalies: Record<string, number>;
  /** A few lines of detail per kind found. */
  details: string[];
  staleReads: number;
  lostWrites: number;
  timeToServeMs: number | null;
  faults: Record<string, number>;
}

/**
 * Runs the chaos suite's checks (@zab/chaos) on a simulated run: linearizability of each
 * register's writes, CAS and sync+reads, session order, phantom and lost writes; sequence
 * numbers; the persistent recursive watcher; two holders of the lock or of the ephemeral node;
 * sessions told expired before their close committed; members that differ once healed; and
 * here also members that stopped themselves (an assertion, a fatal error) and liveness (every
 * member serving within the bound after the heal).
 */
export function checkRun(run: MemberSimRun): MemberSimVerdict {
  const h = run.history;
  const anomalies = new Anomalies();
  const clients = checkClients(h, PATHS, run.finalVersions, run.sequenceChildren, anomalies, 0);
  checkExpiries(h.ops, h.states, run.committedCloses, anomalies);
  const digests = [...run.digests.values()];
  if (digests.some((d) => d === null || d !== digests[0])) {
    anomalies.add('divergent-members', `members' trees once healed: ${[...run.digests].map(([id, d]) => `${id}:${d === null ? 'behind or down' : d.slice(0, 12)}`).join(', ')}`);
  }
  for (const c of run.memberCrashes) anomalies.add('member-crash', c);
  let lostOnRestart = 0;
  if (!run.restart.after) {
    lostOnRestart++;
    anomalies.add('lost-write', 'after every member was killed and restarted, the members did not serve and agree again');
  } else {
    lostOnRestart = checkRestart(run.restart.before, run.restart.after, anomalies);
  }
  const counts: Record<string, number> = Object.fromEntries(ANOMALY_KINDS.map((k) => [k, anomalies.counts.get(k) ?? 0]));
  const details: string[] = [];
  for (const [kind, lines] of anomalies.details) for (const l of lines) details.push(`[${kind}] ${l}`);
  counts['liveness'] = run.timeToServeMs === null ? 1 : 0;
  if (run.timeToServeMs === null) details.push(`[liveness] not every member served within ${run.options.livenessBoundMs} ms of the heal`);
  const ops = countOutcomes(h.ops);
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  return {
    seed: run.seed,
    passed: total === 0,
    ops,
    anomalies: counts,
    details,
    staleReads: clients.registers.staleReads,
    lostWrites: clients.lostWrites + lostOnRestart,
    timeToServeMs: run.timeToServeMs,
    faults: run.faults,
  };
}
