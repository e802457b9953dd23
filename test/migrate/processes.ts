// Runs zab and ZooKeeper server processes from zoo.cfg files the migration tests write, and
// the zab admin command. Unlike test/support/ensemble.ts, the data directories are the
// test's: they outlive the processes, because the tests carry data from one server to another.
import { type ChildProcess, execFile } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { REPO_ROOT, fourLetter, spawnServer, type ServerKind } from '../support/launch.js';
import { modeOf } from '../support/ensemble.js';
import { settlesWithin, waitFor } from '../support/wait.js';

export const ZAB_ADMIN_BIN = path.join(REPO_ROOT, 'packages/admin/bin/zab.js');

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const p of running) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
});

export interface ServerProcess {
  kind: ServerKind;
  cfgFile: string;
  logFile: string;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** Starts a server in the foreground on `cfgFile`; its output goes to `logFile`. */
export function startServerProcess(kind: ServerKind, cfgFile: string, logFile: string, javaProps: Record<string, string> = {}): ServerProcess {
  const proc = spawnServer(kind, cfgFile, path.dirname(cfgFile), javaProps);
  running.add(proc);
  const out = createWriteStream(logFile, { flags: 'a' });
  proc.stdout!.pipe(out);
  proc.stderr!.pipe(out);
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  return {
    kind,
    cfgFile,
    logFile,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (proc.exitCode === null && proc.signalCode === null) {
        proc.kill(signal);
        const done = await settlesWithin(exited, 15_000);
        if (!done) proc.kill('SIGKILL');
        await exited;
      }
      running.delete(proc);
      out.end();
    },
  };
}

/** Waits until every port serves (srvr Mode leader/follower/standalone) with at most one leader. */
export async function waitServing(ports: number[], deadlineMs = 90_000): Promise<void> {
  const until = Date.now() + deadlineMs;
  let modes: (string | null)[] = [];
  while (Date.now() < until) {
    modes = await Promise.all(ports.map((p) => modeOf(p)));
    const serving = modes.filter((m) => m === 'leader' || m === 'follower' || m === 'standalone').length;
    if (serving === ports.length && modes.filter((m) => m === 'leader').length <= 1) return;
    await new Promise((r) => setTimeout(r, 100)); // poll interval
  }
  throw new Error(`ports ${ports.join(',')} did not all serve within ${deadlineMs} ms (modes ${JSON.stringify(modes)})`);
}

/** A zoo.cfg's lines as key/value pairs, in order. */
export async function readCfg(file: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const line of (await readFile(file, 'utf8')).split('\n')) {
    const m = /^([^#=\s][^=]*)=(.*)$/.exec(line.trim());
    if (m) out.set(m[1]!.trim(), m[2]!.trim());
  }
  return out;
}

export async function writeCfg(file: string, cfg: Map<string, string>): Promise<void> {
  await writeFile(file, [...cfg].map(([k, v]) => `${k}=${v}`).join('\n') + '\n');
}

/** Runs `zab <args>` to completion. */
export function runZab(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [ZAB_ADMIN_BIN, ...args], { timeout: 300_000 }, (err, stdout, stderr) => {
      const code = err ? ((err as { code?: number }).code ?? 1) : 0;
      resolve({ code: typeof code === 'number' ? code : 1, stdout, stderr });
    });
  });
}

/** A figure of `mntr`, or undefined. */
export async function mntr(port: number, key: string): Promise<string | undefined> {
  const text = await fourLetter(port, 'mntr');
  return new RegExp(`^${key}\\t(.*)$`, 'm').exec(text)?.[1];
}

/**
 * Snapshot files in `dataDir`/version-2 (each made as a snapshot starts) less mntr's count of
 * snapshots taken (zk_cnt_snapshottime, counted as each finishes): the ones in flight, plus
 * any the server wrote outside its snapshot path (a quorum member's first one is not counted).
 */
export async function snapshotsUncounted(port: number, dataDir: string): Promise<number> {
  const files = (await readdir(path.join(dataDir, 'version-2'))).filter((n) => n.startsWith('snapshot.')).length;
  return files - Number(await mntr(port, 'zk_cnt_snapshottime'));
}

/**
 * Waits until a ZooKeeper server has finished every snapshot it began: its snapshot thread
 * runs beside the writes, and a stop while it writes leaves the newest snapshot cut (which
 * ZooKeeper's start-up and `zab import` skip for the one before; tests that want the newest
 * whole wait here). `atStart`: snapshotsUncounted once the server served, before any write
 * (0 for a standalone server).
 */
export async function waitSnapshotsWritten(port: number, dataDir: string, atStart = 0, deadlineMs = 60_000): Promise<void> {
  let last = 0;
  await waitFor(`ZooKeeper on port ${port} to finish its snapshots`, async () => (last = await snapshotsUncounted(port, dataDir)) === atStart, {
    deadlineMs,
    explain: () => `${last} snapshot files more than snapshots taken, ${atStart} at start`,
  });
}
