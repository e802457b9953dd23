// zab-bench: `run` loads any ZooKeeper-compatible ensemble and prints what it measured;
// `compare` runs zab and Apache ZooKeeper 3.8 side by side (npm run bench).
import { writeFileSync } from 'node:fs';
import { COMPARE_USAGE, runCompare } from '../compare/compare.js';
import { parseRun, RUN_USAGE } from '../options.js';
import { resultsTable, toJson } from '../report.js';
import type { WorkloadResult } from '../result.js';
import { runWorkload } from '../runner.js';

const USAGE = `${RUN_USAGE}\n\n${COMPARE_USAGE}`;

async function run(argv: string[]): Promise<void> {
  const cmd = parseRun(argv);
  const results: WorkloadResult[] = [];
  for (const spec of cmd.specs) results.push(await runWorkload(spec, { progress: !cmd.quiet }));
  process.stdout.write(`${resultsTable(results)}\n`);
  const json = toJson({ tool: 'zab-bench', command: ['zab-bench', 'run', ...argv].join(' '), results });
  if (cmd.jsonFile === undefined) process.stdout.write(`\n${json}\n`);
  else writeFileSync(cmd.jsonFile, `${json}\n`);
}

async function main(argv: string[]): Promise<void> {
  const [first, ...rest] = argv;
  if (first === undefined || first === '--help' || first === '-h' || first === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const help = rest.includes('--help') || rest.includes('-h');
  if (first === 'run') return help ? void process.stdout.write(`${RUN_USAGE}\n`) : run(rest);
  if (first === 'compare') return help ? void process.stdout.write(`${COMPARE_USAGE}\n`) : runCompare(rest);
  if (first.startsWith('--')) return run(argv);
  throw new Error(`unknown command ${first} (run or compare)`);
}

main(process.argv.slice(2)).then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`zab-bench: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(2);
  },
);
