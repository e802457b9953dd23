// npm run fuzz -- [--seed N] [--frames N] [--seconds S] [--port client|quorum|election|all]
//                 [--target zab|zookeeper] [--concurrency N] [--replay FILE] [--failure-dir DIR] [--keep-data]
// Fuzzes a real 3-member ensemble while good clients work, prints the report, and exits 1 when
// anything that must hold did not.
import { newSeed } from '../differential/rng.js';
import { loadFailure } from './failure-file.js';
import { runFuzz } from './fuzz-run.js';
import { formatReport } from './report.js';
import type { PortKind } from './script.js';

const USAGE = 'usage: npm run fuzz -- [--seed N] [--frames N] [--seconds S] [--port client|quorum|election|all] [--target zab|zookeeper] [--concurrency N] [--replay FILE] [--failure-dir DIR] [--keep-data]';

function parse(argv: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--help' || a === '-h') throw new Error(USAGE);
    if (a === '--keep-data') {
      out['keep-data'] = 'true';
      continue;
    }
    if (!a.startsWith('--') || i + 1 >= argv.length) throw new Error(`bad argument ${a}\n${USAGE}`);
    out[a.slice(2)] = argv[++i]!;
  }
  for (const k of Object.keys(out)) {
    if (!['seed', 'frames', 'seconds', 'port', 'target', 'concurrency', 'replay', 'failure-dir', 'keep-data'].includes(k)) throw new Error(`unknown option --${k}\n${USAGE}`);
  }
  return out;
}

function count(v: string | undefined, name: string, dflt: number): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`--${name} must be a whole number, not ${v}`);
  return n;
}

async function main(): Promise<number> {
  let args: Record<string, string>;
  try {
    args = parse(process.argv.slice(2));
  } catch (e) {
    console.error((e as Error).message);
    return 2;
  }
  const port = args['port'] ?? 'all';
  const target = args['target'] ?? 'zab';
  if (!['client', 'quorum', 'election', 'all'].includes(port)) return usage(`--port must be client, quorum, election or all, not ${port}`);
  if (target !== 'zab' && target !== 'zookeeper') return usage(`--target must be zab or zookeeper, not ${target}`);
  const ports: PortKind[] = port === 'all' ? (target === 'zookeeper' ? ['client'] : ['client', 'quorum', 'election']) : [port as PortKind];
  const replay = args['replay'] ? await loadFailure(args['replay']) : undefined;
  const report = await runFuzz({
    seed: count(args['seed'], 'seed', replay?.seed ?? newSeed()),
    frames: count(args['frames'], 'frames', 1_000_000),
    maxSeconds: args['seconds'] === undefined ? undefined : count(args['seconds'], 'seconds', 0),
    ports,
    target,
    concurrency: count(args['concurrency'], 'concurrency', 8),
    failureDir: args['failure-dir'],
    keepData: args['keep-data'] === 'true',
    replay: replay?.scripts,
    log: (l) => console.log(l),
  });
  console.log(formatReport(report));
  return report.failures.length ? 1 : 0;
}

function usage(msg: string): number {
  console.error(`${msg}\n${USAGE}`);
  return 2;
}

// Exit even if a check gave up on a member with a client still trying to reach it.
process.exit(await main());
