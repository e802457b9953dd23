import { ANOMALY_KINDS, Anomalies } from '../checks/anomalies.js';
import { committedCloses } from '../checks/committed-closes.js';
import { checkExpiries } from '../checks/expiry.js';
import { checkClients, checkRestart, countOutcomes } from '../checks/run-checks.js';
import { dataOf, divergentMembers, persistentPart, type TreeDump } from '../checks/trees.js';
import type { History } from './history.js';
import type { SeedConfig } from './run-seed.js';
import type { Episode } from './schedule.js';
import { PATHS } from './workload.js';

/** How long after one episode's heal every member served again (null: not within the bound). */
export interface HealTime {
  kind: string;
  ms: number | null;
}

/** One seed's outcome, as printed and as the CLI aggregates it. */
export interface RunResult {
  seed: number;
  target: string;
  members: number;
  seconds: number;
  ops: { total: number; ok: number; fail: number; info: number };
  anomalies: Record<string, number>;
  anomalyTotal: number;
  lostWrites: number;
  divergentMembers: number;
  staleReads: number;
  /** The longest time from a heal until every member served; null when one was not within the bound. */
  timeToServeMs: number | null;
  /** The same after each episode. */
  heals: HealTime[];
  livenessBoundMs: number;
  faults: Record<string, number>;
  expiriesTold: number;
  /** Times a member stopped itself on a full disk (started again by the suite, as a supervisor would). */
  fullDiskStops: number;
  notes: string[];
  passed: boolean;
}

export interface AnalysisInput {
  cfg: SeedConfig;
  history: History;
  /** The episodes that ran (a run stops scheduling once its time is up). */
  episodes: Episode[];
  originUs: number;
  notes: string[];
  finalVersions: Map<string, number>;
  /** The members' trees once healed and quiet, and again after all crashed and restarted. */
  before: Map<number, TreeDump>;
  after: Map<number, TreeDump> | null;
  heals: HealTime[];
  restartServed: boolean;
  crashes: string[];
  fullDiskStops: number;
  dataDirs: string[];
}

/** Runs every check on a finished run, prints its report and returns the result. */
export async function analyse(a: AnalysisInput): Promise<RunResult> {
  const { history: h, cfg } = a;
  const anomalies = new Anomalies();
  const reference = [...a.before.values()][0] ?? new Map<string, string>();
  const children = new Map<string, string>();
  for (const [p, v] of reference) {
    if (p.startsWith(PATHS.sequenceParent + '/')) children.set(p.slice(PATHS.sequenceParent.length + 1), dataOf(v));
  }
  const clients = checkClients(h, PATHS, a.finalVersions, children, anomalies, a.originUs);
  const regs = clients.registers;

  const divergent = divergentMembers(a.before);
  for (const d of divergent) anomalies.add('divergent-members', `member ${d.id} differs: ${d.difference}`);
  let lostWrites = clients.lostWrites;
  if (!a.restartServed || !a.after) {
    anomalies.add('lost-write', 'after every member was killed and restarted, the ensemble did not serve again (a corrupt log?)');
  } else {
    lostWrites += checkRestart(persistentPart(reference), new Map([...a.after].map(([id, d]) => [id, persistentPart(d)])), anomalies);
  }
  for (const c of a.crashes) anomalies.add('member-crash', c);
  const closes = await committedCloses(cfg.target, a.dataDirs);
  const expiriesTold = checkExpiries(h.ops, h.states, closes, anomalies);

  const ops = countOutcomes(h.ops);
  const faults: Record<string, number> = {};
  for (const e of a.episodes) faults[e.kind] = (faults[e.kind] ?? 0) + 1;
  const livenessMiss = a.heals.some((x) => overBound(x, cfg.livenessBoundMs));
  const timeToServeMs = livenessMiss ? null : Math.max(0, ...a.heals.map((x) => x.ms!));
  const result: RunResult = {
    seed: cfg.seed,
    target: cfg.target,
    members: cfg.members,
    seconds: cfg.seconds,
    ops,
    anomalies: Object.fromEntries(ANOMALY_KINDS.map((k) => [k, anomalies.counts.get(k) ?? 0])),
    anomalyTotal: anomalies.total,
    lostWrites,
    divergentMembers: divergent.length,
    staleReads: regs.staleReads,
    timeToServeMs,
    heals: a.heals,
    livenessBoundMs: cfg.livenessBoundMs,
    faults,
    expiriesTold,
    fullDiskStops: a.fullDiskStops,
    notes: a.notes,
    passed: anomalies.total === 0 && !livenessMiss,
  };
  printReport(result, anomalies);
  return result;
}

/** The longest time to serve after a heal, and after which fault; or which heals missed the bound. */
/** A heal after which some member did not serve within the bound (the last look can land just past it). */
function overBound(h: HealTime, boundMs: number): boolean {
  return h.ms === null || h.ms > boundMs;
}

function serveFigure(r: RunResult): string {
  const missed = r.heals.filter((h) => overBound(h, r.livenessBoundMs)).map((h) => h.kind);
  if (missed.length) return `over the bound after ${missed.join(', ')}`;
  const worst = r.heals.reduce<HealTime | null>((w, h) => (w === null || h.ms! > w.ms! ? h : w), null);
  return worst ? `max ${(worst.ms! / 1000).toFixed(1)} s (after ${worst.kind})` : 'no heals';
}

function printReport(r: RunResult, anomalies: Anomalies): void {
  const faults = Object.entries(r.faults).map(([k, n]) => `${k} ${n}`).join(', ');
  console.log(`seed ${r.seed} · ${r.target} · ${r.members} members · ${r.seconds} s · faults: ${faults}`);
  console.log(`  ops ${r.ops.total}: ok ${r.ops.ok}, fail ${r.ops.fail}, indeterminate ${r.ops.info}`);
  const found = Object.entries(r.anomalies).filter(([, n]) => n > 0);
  console.log(`  anomalies ${r.anomalyTotal}${found.length ? ': ' + found.map(([k, n]) => `${k} ${n}`).join(', ') : ''}`);
  for (const [kind, lines] of anomalies.details) for (const l of lines) console.log(`    [${kind}] ${l}`);
  console.log(
    `  lost writes ${r.lostWrites} · divergent members ${r.divergentMembers} · stale reads ${r.staleReads} · sessions told expired ${r.expiriesTold} · ` +
      `full-disk stops ${r.fullDiskStops} · time to serve after a heal: ${serveFigure(r)} (bound ${(r.livenessBoundMs / 1000).toFixed(0)} s)`,
  );
  console.log(`  (${r.notes.join('; ')})`);
  console.log(`  ${r.passed ? 'PASS' : 'FAIL'}`);
}
