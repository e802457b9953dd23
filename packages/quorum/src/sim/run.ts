#!/usr/bin/env node
// Runs the quorum simulation over many seeds, or replays one:
//   npm run sim -w @zab/quorum -- --seeds 100000 [--from 1]   every seed from --from on
//   npm run sim -w @zab/quorum -- --seed 1234                  one seed, exactly as it ran before
import { InvariantError } from './simulator.js';
import { runSeed, scenarioOf } from './seeds.js';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

/** Runs the seeds the arguments name; the exit status is 1 when any failed. */
function main(): number {
  const one = arg('seed');
  const count = one !== undefined ? 1 : Number(arg('seeds') ?? 2000);
  const first = one !== undefined ? Number(one) : Number(arg('from') ?? 1);
  const started = Date.now();
  let failures = 0;
  let committed = 0;
  for (let seed = first; seed < first + count; seed++) {
    try {
      committed += runSeed(seed).committed;
    } catch (e) {
      failures++;
      if (!(e instanceof InvariantError)) console.error(`seed ${seed} (${scenarioOf(seed).name}): unexpected error`);
      console.error(`FAILED ${(e as Error).stack}`);
      if (failures >= 10) break;
    }
    if ((seed - first + 1) % 10000 === 0) console.log(`${seed - first + 1} seeds, ${failures} failed, ${((Date.now() - started) / 1000).toFixed(0)} s`);
  }
  console.log(`${count} seeds from ${first}: ${failures} failed; ${committed} txns committed; ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return failures ? 1 : 0;
}

process.exit(main());
