// Differential test: a seeded random workload runs against Apache ZooKeeper 3.8 and against
// zab (or, with ZAB_DIFF_TARGET=zookeeper, a second ZooKeeper, which validates the harness),
// and every reply, every notification and the final tree must agree.
//
//   ZAB_DIFF_SEED=<n>        replay a seed (printed at the start of every run)
//   ZAB_DIFF_OPS=<n>         random ops after the preamble (default 2000)
//   ZAB_DIFF_TARGET=zab|zookeeper
//   ZAB_DIFF_CHILD_ORDER=returned|sorted   compare children lists as returned (default) or as sets
//   ZAB_DIFF_MAX_MISMATCHES=<n>            keep going after a mismatch (default 1)
//   ZAB_DIFF_HISTORY=<n>                   ops shown before a mismatch (default 12)
//   ZAB_SERVER_BIN=<path>                  run another zab entry point than packages/server/dist/bin
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startServer, targetKind } from '../support/launch.js';
import { newSeed } from './rng.js';
import { formatMismatch, runDifferential } from './runner.js';
import type { ChildOrder } from './sessions.js';

const seed = process.env['ZAB_DIFF_SEED'] ? Number(process.env['ZAB_DIFF_SEED']) : newSeed();
const ops = Number(process.env['ZAB_DIFF_OPS'] ?? 2000);
const childOrder = (process.env['ZAB_DIFF_CHILD_ORDER'] ?? 'returned') as ChildOrder;
const maxMismatches = Number(process.env['ZAB_DIFF_MAX_MISMATCHES'] ?? 1);
const target = targetKind();

describe(`differential: ${target} vs Apache ZooKeeper 3.8`, () => {
  let ref: RunningServer | undefined;
  let tgt: RunningServer | undefined;

  beforeAll(async () => {
    [ref, tgt] = await Promise.all([startServer('zookeeper', { cfg: { forceSync: 'no' } }), startServer(target, { cfg: { forceSync: 'no' } })]);
  });

  afterAll(async () => {
    await Promise.all([ref?.stop(), tgt?.stop()]);
  });

  it(`agrees on ${ops} random operations (seed ${seed})`, { timeout: 600_000 }, async () => {
    console.log(`differential: seed ${seed}, ${ops} ops, target ${target} (ZAB_DIFF_SEED=${seed} to replay)`);
    const result = await runDifferential({
      refPort: ref!.port,
      targetPort: tgt!.port,
      targetLabel: target,
      seed,
      ops,
      childOrder,
      maxMismatches,
    });
    const covered = [...result.coverage.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([k, n]) => `${k}: ${n}`);
    console.log(`differential: ${result.opsRun} ops in ${result.elapsedMs} ms, ${result.notificationCount} notifications\n  ${covered.join('\n  ')}`);
    if (result.mismatches.length > 0) {
      const report = result.mismatches.map((m) => formatMismatch(seed, m, result, target)).join('\n\n');
      const logs = `--- ${target} log tail ---\n${await tgt!.logTail(30)}`;
      expect.fail(`${report}\n${logs}`);
    }
  });
});
