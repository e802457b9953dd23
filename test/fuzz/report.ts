// The fuzz report as text: what was sent, what the servers did, the good clients' latency and
// each member's memory, and the verdict.
import type { FuzzReport } from './fuzz-run.js';

const mib = (kb: number | undefined) => (kb === undefined ? '?' : `${(kb / 1024).toFixed(0)} MiB`);

export function formatReport(r: FuzzReport): string {
  const lines: string[] = [];
  lines.push(`fuzz report: target ${r.target}, seed ${r.seed} (--seed ${r.seed} replays it)`);
  for (const c of r.campaigns) {
    lines.push(
      `  ${c.port.padEnd(8)} ${String(c.framesWritten).padStart(9)} frames  ${String(c.connections).padStart(7)} connections  ${(c.elapsedMs / 1000).toFixed(1).padStart(7)} s  ` +
        `answers ${c.replies}, closed by server ${c.closedByServer}, hung ${c.hung}, malformed ${c.malformed}, closed owing answers ${c.closedEarly}` +
        (c.timedOut ? ' (stopped at the time limit)' : ''),
    );
    const kinds = Object.entries(c.byKind)
      .sort((a, b) => b[1].frames - a[1].frames)
      .map(([k, v]) => `${k} ${v.frames}/${v.connections}`);
    lines.push(`           by kind (frames/connections): ${kinds.join(', ')}`);
    const answers = Object.entries(c.answeredWith).map(([t, n]) => `${t} ${n}`);
    if (answers.length) lines.push(`           connections answered with: ${answers.join(', ')}`);
  }
  for (const l of r.good.latency) lines.push(`  good clients during ${l.phase}: ${l.ops} ops, p50 ${l.p50Ms.toFixed(1)} ms, p99 ${l.p99Ms.toFixed(1)} ms`);
  lines.push(`  good clients: ${r.good.ops} ops, ${r.good.acked} znodes acknowledged, ${r.good.failures} failures`);
  for (const m of r.members) {
    lines.push(`  member ${m.id}: pid ${m.pid} ${m.survived ? 'survived' : 'CRASHED'}, RSS ${mib(m.rssBeforeKb)} before, ${mib(m.rssAfterKb)} after, elections ${m.elections}, log problems ${m.logProblems.length}`);
  }
  lines.push(`  trees: ${r.treeDifference ?? `identical on every member (${r.treeNodes} znodes)`}; acknowledged writes missing: ${r.missingWrites.length}`);
  if (r.failures.length) {
    lines.push(`FAILED (${r.failures.length}):`);
    for (const f of r.failures) lines.push(`  - ${f}`);
    if (r.failureFile) {
      lines.push(`  the connections in flight and just before are in ${r.failureFile} (npm run fuzz -- --replay ${r.failureFile}),`);
      lines.push(`  the members' logs beside it (${r.failureFile.replace(/\.json$/, '-member<N>.log')})`);
    }
  } else {
    lines.push('passed');
  }
  return lines.join('\n');
}
