// `zab-bench compare` (npm run bench): every chosen row, on a fresh zab ensemble and a fresh
// ZooKeeper ensemble in turn (which goes first alternates), for N rounds; then medians, ratios,
// and the results files. A row that fails on one server is reported as failed and the
// comparison goes on.
import { mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { checkInstalled, Cluster, type Member, type ServerKind } from './cluster.js';
import { curves, curvesMarkdown } from './curves.js';
import { compileLoadGen } from './java-driver.js';
import { machineInfo } from './machine.js';
import { PortPicker } from './ports.js';
import { markdown, metricLines, writeResults, type RowRun } from './results.js';
import { javaRows, loadRows, type Row, type RowOutcome } from './rows.js';
import { stateRows } from './rows-state.js';
import { COMPARE_USAGE, parseCompare, REPO_ROOT, type CompareSettings } from './settings.js';

export { COMPARE_USAGE };

/**
 * A zab-bench row and its Java twin on one ensemble, one after the other (which goes first
 * alternates with the rounds): the two generators' figures side by side, from the same servers.
 */
function paired(own: Row, twin: Row): Row {
  return {
    id: own.id,
    base: own.base,
    title: own.title,
    ...(own.placement ? { placement: own.placement } : {}),
    async run(ctx) {
      // One generator failing must not lose the other's figures.
      const attempt = (r: Row) => r.run(ctx).catch((e: unknown): RowOutcome => ({ metrics: [], notes: [`failed: ${e instanceof Error ? e.message : String(e)}`], detail: null }));
      const [first, second] = ctx.round % 2 === 0 ? [own, twin] : [twin, own];
      const a = await attempt(first);
      const b = await attempt(second);
      const [mine, java] = first === own ? [a, b] : [b, a];
      if (mine.metrics.length === 0 && java.metrics.length === 0) throw new Error([...mine.notes, ...java.notes].join('; '));
      return {
        metrics: [...mine.metrics, ...java.metrics.map((m) => ({ ...m, name: `${m.name} · Java client` }))],
        notes: [...mine.notes, ...java.notes.map((n) => `Java client: ${n}`)],
        detail: { zabBench: mine.detail, javaClient: java.detail },
      };
    },
  };
}

/** The rows the settings ask for, in ROW_IDS order: zab-bench's, the Java LoadGen's, or both paired. */
export function chosenRows(s: CompareSettings): Row[] {
  const jute = [...loadRows(s), ...stateRows(s)];
  const java = s.driver === 'jute' ? [] : javaRows(s);
  return s.rows.flatMap((id) => {
    const own = jute.filter((r) => r.base === id);
    const twins = java.filter((r) => r.base === id);
    if (twins.length === 0) return own;
    // A twin runs where its zab-bench row does (the same placement).
    return s.driver === 'java' ? twins : own.map((r) => paired(r, twins.find((t) => t.placement === r.placement)!));
  });
}

/** Keeps the leader's and one follower's CPU profiles of a row, named by round, row and role. */
function keepProfiles(s: CompareSettings, members: Member[], roles: (string | null)[], round: number, row: string): void {
  const follower = members.find((_, i) => roles[i] === 'follower');
  members.forEach((m, i) => {
    const role = roles[i];
    const keep = role === 'leader' || role === 'standalone' || m === follower;
    m.profiles.forEach((file, start) => {
      const to = path.join(s.cpuProfDir!, `r${round + 1}-${row}-${role ?? 'down'}-node${m.id}-start${start + 1}.cpuprofile`);
      try {
        if (keep) renameSync(file, to);
      } catch {
        // no profile: the process was SIGKILLed (failover's leader, a restart's first run)
      }
    });
  });
}

async function runRow(s: CompareSettings, row: Row, kind: ServerKind, round: number, ports: PortPicker, javaClasses: string | undefined): Promise<RowRun> {
  const dir = mkdtempSync(path.join(os.tmpdir(), `zab-bench-${kind}-${row.id}-`));
  const profiling = kind === 'zab' && s.cpuProfDir !== undefined;
  const label = `[${round + 1}/${s.rounds}] ${kind}`;
  const cluster = await Cluster.create({
    kind,
    members: s.members,
    dir,
    ports,
    zabBin: s.zabBin,
    zkHeap: s.zkHeap,
    ...(profiling ? { cpuProfDir: path.join(dir, 'profiles') } : {}),
  });
  process.stderr.write(`${label} ${row.id}: starting ${s.members} member(s)\n`);
  try {
    cluster.startAll();
    const leader = await cluster.waitServing();
    const outcome = await row.run({ settings: s, kind, cluster, leader, label, round, javaClasses });
    return { row: row.id, kind, round, outcome };
  } catch (e) {
    const error = e instanceof Error ? e.message : String(e);
    process.stderr.write(`${label} ${row.id}: FAILED: ${error}\n`);
    return { row: row.id, kind, round, error };
  } finally {
    if (profiling) {
      const roles = await Promise.all(cluster.members.map((m) => (m.running ? m.mode() : null)));
      await cluster.stop('SIGTERM'); // a clean exit writes the profile
      keepProfiles(s, cluster.members, roles, round, row.id);
    } else {
      await cluster.stop('SIGKILL');
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function runCompare(argv: string[]): Promise<void> {
  const s = parseCompare(argv);
  for (const kind of s.systems) checkInstalled(kind, s.zabBin);
  // Ctrl-C or a kill: exit through process.exit, so every cluster's exit hook stops its members.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));
  const startedAt = new Date();
  const command = `npm run bench${argv.length > 0 ? ` -- ${argv.join(' ')}` : ''}`;
  const machine = machineInfo(REPO_ROOT);
  const rows = chosenRows(s);
  const javaClasses = s.driver === 'jute' ? undefined : compileLoadGen();
  if (s.cpuProfDir) mkdirSync(s.cpuProfDir, { recursive: true });
  const ports = new PortPicker(s.ports);
  process.stderr.write(`zab-bench compare: ${rows.length} rows x ${s.rounds} rounds, ${s.members} member(s), ${s.systems.join(' and ')}, ZooKeeper -Xmx${s.zkHeap}\n`);

  const runs: RowRun[] = [];
  for (let round = 0; round < s.rounds; round++) {
    for (const [i, row] of rows.entries()) {
      const order: ServerKind[] = (round + i) % 2 === 0 ? ['zab', 'zookeeper'] : ['zookeeper', 'zab'];
      for (const kind of order.filter((k) => s.systems.includes(k))) runs.push(await runRow(s, row, kind, round, ports, javaClasses));
    }
  }

  const lines = metricLines(rows, runs, s.rounds);
  const curveLines = curves(rows, lines);
  const md = markdown(s, machine, command, startedAt, lines, runs, curvesMarkdown(curveLines, s.systems));
  const stamp = startedAt.toISOString().replace(/[:.]/g, '-').slice(0, 19);
  const files = writeResults(s.outDir, stamp, s.members, { tool: 'zab-bench compare', command, startedAt: startedAt.toISOString(), machine, settings: s, lines, curves: curveLines, runs }, md);
  const shown = (f: string) => (path.relative(process.cwd(), f).startsWith('..') ? f : path.relative(process.cwd(), f));
  process.stdout.write(`${md}\nResults: ${shown(files.md)}, ${shown(files.json)}\n`);
  if (s.cpuProfDir) process.stdout.write(`CPU profiles: ${s.cpuProfDir}\n`);
}
