#!/usr/bin/env node
// Runs the quorum simulation over many seeds, or replays one:
//   npm run sim -w @zab/quorum -- --seeds 100000 [--from 1]   every seed from --from on
//   npm run sim -w @zab/quorum -- --seed 1234                  one seed, exactly as it ran before
//   npm run sim -w @zab/quorum -- --seed 1234 --trace          ... printing role and configuration changes
import { InvariantError } from './simulator.js';
import { runSeed, scenarioOf } from './seeds.js';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const median = (xs: number[]) => (xs.length ? [...xs].sort((a, b) => a - b)[xs.length >> 1]! : NaN);

/** Runs the seeds the arguments name; the exit status is 1 when any failed. */
function main(): number {
  const one = arg('seed');
  const count = one !== undefined ? 1 : Number(arg('seeds') ?? 2000);
  const first = one !== undefined ? Number(one) : Number(arg('from') ?? 1);
  const started = Date.now();
  const trace = process.argv.includes('--trace') ? (line: string) => console.log(line) : undefined;
  let failures = 0;
  let committed = 0;
  let reconfigs = 0;
  const gaps = { handover: [] as number[], crash: [] as number[] };
  for (let seed = first; seed < first + count; seed++) {
    try {
      const r = runSeed(seed, trace);
      committed += r.committed;
      reconfigs += r.reconfigs;
      gaps.handover.push(...r.handoverGaps);
      gaps.crash.push(...r.crashGaps);
    } catch (e) {
      failures++;
      if (!(e instanceof InvariantError)) console.error(`seed ${seed} (${scenarioOf(seed).name}): unexpected error`);
      console.error(`FAILED ${(e as Error).stack}`);
      if (failures >= 10) break;
    }
    if ((seed - first + 1) % 10000 === 0) console.log(`${seed - first + 1} seeds, ${failures} failed, ${((Date.now() - started) / 1000).toFixed(0)} s`);
  }
  console.log(`${count} seeds from ${first}: ${failures} failed; ${committed} txns and ${reconfigs} reconfigurations committed; ${((Date.now() - started) / 1000).toFixed(1)} s`);
  // How long writes stop, in the simulator's time units (a tick is 5; syncLimit is 10 ticks):
  // a removed leader handing over, against a crashed leader replaced by an election.
  console.log(
    `write gap, median (units): leader hand-over ${median(gaps.handover)} (${gaps.handover.length} seen), ` +
      `leader crash and election ${median(gaps.crash)} (${gaps.crash.length} seen); ratio ${(median(gaps.crash) / median(gaps.handover)).toFixed(1)}`,
  );
  return failures ? 1 : 0;
}

process.exit(main());
