#!/usr/bin/env node
// zkcli: zkCli.sh-style commands against ZooKeeper or zab, one per run, or an interactive shell.
// Exit statuses are documented in packages/cli/README.md.
import { hideBin } from 'yargs/helpers';
import { main } from '../main.js';
import { openSession } from '../open-session.js';

const stopping = new AbortController();
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    // The first signal ends the command gracefully (session closed, ephemerals gone at once);
    // a second one, for a command that does not stop, ends the process.
    if (stopping.signal.aborted) process.exit(sig === 'SIGTERM' ? 143 : 130);
    stopping.abort(sig);
  });
}

const status = await main(
  hideBin(process.argv),
  {
    output: { stdout: (t) => void process.stdout.write(t), stderr: (t) => void process.stderr.write(t) },
    input: { stream: process.stdin, ...(process.stdin.isTTY && process.stdout.isTTY ? { terminal: process.stdout } : {}) },
    env: process.env,
    signal: stopping.signal,
  },
  openSession,
);
// Sockets and timers of a closed session may linger briefly; the answer is complete, so leave.
process.stdout.write('', () => process.exit(status));
