// A standalone zab in its own process on a data directory that outlives it, for the suites
// that kill it (SIGKILL) and start it again on the same directory.
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ZAB_BIN, answersImok } from '../support/launch.js';
import { waitFor } from '../support/wait.js';

/** Starts zab on `port` with `dir`/zoo.cfg (`dir`/data its dataDir, the lines of `extraConfig` added) and waits until it answers ruok. */
export async function startZab(dir: string, port: number, extraConfig: string): Promise<ChildProcess> {
  const cfg = join(dir, 'zoo.cfg');
  writeFileSync(cfg, `dataDir=${dir}/data\nclientPort=${port}\nclientPortAddress=127.0.0.1\n4lw.commands.whitelist=*\nadmin.enableServer=false\n${extraConfig}`);
  const proc = spawn(process.execPath, [ZAB_BIN, '--config', cfg], { stdio: ['ignore', 'ignore', 'inherit'] });
  const started = async () => {
    if (proc.exitCode !== null) throw new Error(`zab exited with ${proc.exitCode} at start`);
    return answersImok(port);
  };
  await waitFor('zab to start', started, { deadlineMs: 30_000, pollMs: 25 });
  return proc;
}

/** SIGKILL, then waits for the process to be gone. */
export async function kill9(proc: ChildProcess): Promise<void> {
  const exited = new Promise((r) => proc.once('exit', r));
  proc.kill('SIGKILL');
  await exited;
}
