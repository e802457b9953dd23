#!/usr/bin/env node
// Runs the whole-member simulation over many seeds, or replays one:
//   npm run sim -- --member --seeds 10000 [--from 1]        every seed from --from on
//   npm run sim -- --member --seed 1234                     one seed, exactly as it ran before
//   --jobs 2                                               share the seeds among 2 worker threads
//   npm run sim -- --member --seeds 200 --mutate commit-without-quorum
//                                                          with a known driver bug put back: how many seeds find it
import { DRIVER_MUTATIONS, type DriverMutation } from '@zab/server';
import type { MemberSimVerdict } from './checks.js';
import { runSeeds } from './parallel.js';
import { describeFailure, runMemberSeed } from './seeds.js';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

/** Runs the seeds the arguments name; the exit status is 1 when any failed (0 for a mutation run that found its bug). */
async function main(): Promise<number> {
  const one = arg('seed');
  const count = one !== undefined ? 1 : Number(arg('seeds') ?? 1000);
  const first = one !== undefined ? Number(one) : Number(arg('from') ?? 1);
  const mutations = (arg('mutate') ?? '').split(',').filter(Boolean) as DriverMutation[];
  for (const m of mutations) {
    if (!DRIVER_MUTATIONS.includes(m)) {
      console.error(`--mutate: unknown mutation ${JSON.stringify(m)}; known: ${DRIVER_MUTATIONS.join(', ')}`);
      return 2;
    }
  }
  const started = Date.now();
  let failed = 0;
  const ops = { total: 0, ok: 0, fail: 0, info: 0 };
  const faults: Record<string, number> = {};
  let done = 0;
  const onVerdict = (v: MemberSimVerdict) => {
    done++;
    for (const k of ['total', 'ok', 'fail', 'info'] as const) ops[k] += v.ops[k];
    for (const [k, n] of Object.entries(v.faults)) faults[k] = (faults[k] ?? 0) + n;
    if (!v.passed) {
      failed++;
      // A mutation run counts every seed that finds the bug; only the first few are printed.
      if (failed <= 5 || one !== undefined) console.error(describeFailure(v, mutations));
    }
    if (done % 100 === 0) console.log(`${done} seeds, ${failed} failed, ${((Date.now() - started) / 1000).toFixed(0)} s`);
  };
  if (one !== undefined) onVerdict(await runMemberSeed(first, mutations));
  else await runSeeds(first, count, Number(arg('jobs') ?? 1), mutations, onVerdict, () => !mutations.length && failed >= 10);
  const faultText = Object.entries(faults).map(([k, n]) => `${k} ${n}`).join(', ');
  console.log(`ops ${ops.total}: ok ${ops.ok}, fail ${ops.fail}, indeterminate ${ops.info}; faults: ${faultText}`);
  if (mutations.length) {
    console.log(`mutation ${mutations.join('+')}: found by ${failed} of ${count} seeds from ${first}; ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return failed ? 0 : 1;
  }
  console.log(`${count} member seeds from ${first}: ${failed} failed; ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return failed ? 1 : 0;
}

process.exit(await main());
