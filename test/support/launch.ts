// Starts the servers the suites run against: Apache ZooKeeper 3.8 (the reference, from Debian's
// package) and zab (packages/server/dist/bin/zkserver.js), each on a free loopback port with its
// own zoo.cfg and data directory. Readiness is `ruok` -> `imok` and a session that opens, polled
// with a deadline; nothing here sleeps a fixed time. Shared by the differential, bad-input,
// compat, server and durability suites.
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createWriteStream, existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sendFourLetterWord } from '@zab/cli';
import { RawClient } from './raw-client.js';
import { settlesWithin, waitFor } from './wait.js';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** The zab server entry point; ZAB_SERVER_BIN points the suites at another build. */
export const ZAB_BIN = process.env['ZAB_SERVER_BIN'] ?? path.join(REPO_ROOT, 'packages/server/dist/bin/zkserver.js');
export const ZK_CLASSPATH = '/usr/share/java/zookeeper.jar:/usr/share/java/slf4j-simple.jar';

/** The password of the `super` digest user both servers are configured with. */
export const SUPER_PASSWORD = 'test';

/** user:base64(sha1(user:password)), the id of a digest ACL (DigestAuthenticationProvider.generateDigest). */
export function digestId(user: string, password: string): string {
  return `${user}:${createHash('sha1').update(`${user}:${password}`).digest('base64')}`;
}

export type ServerKind = 'zookeeper' | 'zab';

import { freePort } from './ports.js';

export { freePort };

export interface RunningServer {
  kind: ServerKind;
  port: number;
  dataDir: string;
  logFile: string;
  /** Last lines of the server's output, for failure messages. */
  logTail(lines?: number): Promise<string>;
  stop(): Promise<void>;
}

/** Sends a four-letter word to a loopback port (zkcli's sender) and returns everything the server wrote before closing. */
export function fourLetter(port: number, word: string, timeoutMs = 5_000): Promise<string> {
  return sendFourLetterWord({ host: '127.0.0.1', port }, word, timeoutMs);
}

/** Whether a server answers `ruok` with `imok` now (false when it does not answer at all). */
export async function answersImok(port: number, timeoutMs = 1_000): Promise<boolean> {
  return (await fourLetter(port, 'ruok', timeoutMs).catch(() => '')) === 'imok';
}

/** True when a ConnectRequest gets a live session (which is then closed). */
async function canOpenSession(port: number): Promise<boolean> {
  try {
    const c = await RawClient.connect({ port, autoPing: false, connectTimeoutMs: 2_000, requestTimeoutMs: 2_000 });
    if (c.sessionId === 0n) {
      c.destroy();
      return false;
    }
    await c.close(2_000);
    return true;
  } catch {
    return false;
  }
}

/** Polls `ruok` until it answers `imok`, the process exits, or the deadline passes. */
async function waitImok(port: number, proc: ChildProcess, deadlineMs: number, what: string): Promise<void> {
  let last = '';
  const ready = async () => {
    if (proc.exitCode !== null || proc.signalCode !== null) {
      throw new Error(`${what} exited (${proc.exitCode ?? proc.signalCode}) before answering ruok`);
    }
    try {
      const ans = await fourLetter(port, 'ruok', 2_000);
      // ZooKeeper says imok as soon as its port is open, before its database is loaded (a
      // session attempt then gets "ZooKeeperServer not running"): also require a session.
      if (ans === 'imok' && (await canOpenSession(port))) return true;
      last = ans === 'imok' ? 'imok but no session yet' : `answered ${JSON.stringify(ans)}`;
    } catch (e) {
      last = (e as Error).message;
    }
    return false;
  };
  await waitFor(`${what} to answer ruok with imok`, ready, { deadlineMs, pollMs: 100, explain: () => `last: ${last}` });
}

function zooCfg(port: number, dataDir: string, extra: Record<string, string>): string {
  const superDigest = digestId('super', SUPER_PASSWORD);
  const lines: Record<string, string> = {
    tickTime: '2000',
    initLimit: '10',
    syncLimit: '5',
    dataDir,
    clientPort: String(port),
    clientPortAddress: '127.0.0.1',
    '4lw.commands.whitelist': '*',
    extendedTypesEnabled: 'true',
    'DigestAuthenticationProvider.superDigest': superDigest,
    'admin.enableServer': 'false',
    maxClientCnxns: '0',
    // zab reads the container/TTL sweep interval from zoo.cfg (ZooKeeper from the -D below):
    // an hour by default, so reaping never runs in the middle of a deterministic workload.
    'znode.container.checkIntervalMs': '3600000',
    ...extra,
  };
  return Object.entries(lines)
    .map(([k, v]) => `${k}=${v}`)
    .join('\n')
    .concat('\n');
}

export interface StartOptions {
  /** Extra zoo.cfg lines. */
  cfg?: Record<string, string>;
  /** Bound on startup (default 60 s: a cold JVM on a busy 2-core machine is slow). */
  startTimeoutMs?: number;
  /** ZooKeeper only: extra -D system properties (they override the defaults below). */
  javaProps?: Record<string, string>;
  /** ZooKeeper only: jars added to its class path (Netty's, for TLS). */
  classpath?: readonly string[];
  /** Environment variables added to the server's (SERVER_JVMFLAGS, for zab). */
  env?: Record<string, string>;
}

/** Netty's jars from Debian's packages: ZooKeeper's Netty client and server (TLS) need them. */
export const NETTY_CLASSPATH = ['netty-buffer', 'netty-codec', 'netty-common', 'netty-handler', 'netty-resolver', 'netty-transport', 'netty-transport-native-unix-common', 'netty-transport-native-epoll']
  .map((j) => `/usr/share/java/${j}.jar`)
  .filter((f) => existsSync(f));

/**
 * Spawns one server process on its zoo.cfg, with stdout and stderr piped for the caller to log.
 * ZooKeeper runs with a 512 MiB heap, its admin server off, warnings only, then `javaProps` as
 * -D flags and `jvmFlags`; zab runs the built entry point (ZAB_BIN) in `cwd`.
 */
export function spawnServer(
  kind: ServerKind,
  cfgFile: string,
  cwd: string,
  javaProps: Record<string, string> = {},
  jvmFlags: string[] = [],
  extra: { classpath?: readonly string[]; env?: Record<string, string> } = {},
): ChildProcess {
  const stdio: ['ignore', 'pipe', 'pipe'] = ['ignore', 'pipe', 'pipe'];
  const env = { ...process.env, ...extra.env };
  if (kind === 'zab') {
    if (!existsSync(ZAB_BIN)) throw new Error(`${ZAB_BIN} not built (run npx tsc -b)`);
    return spawn(process.execPath, [ZAB_BIN, '--config', cfgFile], { stdio, cwd, env });
  }
  const props = { 'zookeeper.admin.enableServer': 'false', 'org.slf4j.simpleLogger.defaultLogLevel': 'warn', ...javaProps };
  const classpath = [ZK_CLASSPATH, ...(extra.classpath ?? [])].join(':');
  const flags = ['-Xmx512m', '-XX:+UseSerialGC', ...jvmFlags, '-cp', classpath, ...Object.entries(props).map(([k, v]) => `-D${k}=${v}`)];
  return spawn('java', [...flags, 'org.apache.zookeeper.server.quorum.QuorumPeerMain', cfgFile], { stdio, env });
}

/**
 * Starts one standalone server. ZooKeeper gets `-Dznode.container.checkIntervalMs` set to an hour
 * so that container and TTL reaping never runs in the middle of a deterministic workload.
 */
export async function startServer(kind: ServerKind, opts: StartOptions = {}): Promise<RunningServer> {
  const port = await freePort();
  const dataDir = await mkdtemp(path.join(os.tmpdir(), `zab-${kind}-`));
  const cfgFile = path.join(dataDir, 'zoo.cfg');
  const logFile = path.join(dataDir, 'server.log');
  await writeFile(cfgFile, zooCfg(port, path.join(dataDir, 'data'), opts.cfg ?? {}));
  // A standalone server starts often and runs briefly: the JIT's first tier is enough.
  const proc = spawnServer(kind, cfgFile, dataDir, { 'znode.container.checkIntervalMs': '3600000', ...opts.javaProps }, ['-XX:TieredStopAtLevel=1'], {
    classpath: opts.classpath,
    env: opts.env,
  });
  const log = createWriteStream(logFile);
  proc.stdout!.pipe(log);
  proc.stderr!.pipe(log);
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const server: RunningServer = {
    kind,
    port,
    dataDir,
    logFile,
    async logTail(lines = 40) {
      try {
        const text = await readFile(logFile, 'utf8');
        return text.split('\n').slice(-lines).join('\n');
      } catch {
        return '';
      }
    },
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) {
        proc.kill('SIGTERM');
        const killed = await settlesWithin(exited, 5_000);
        if (!killed) {
          proc.kill('SIGKILL');
          await exited;
        }
      }
      log.end();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
  try {
    await waitImok(port, proc, opts.startTimeoutMs ?? 60_000, `${kind} on port ${port}`);
  } catch (e) {
    const tail = await server.logTail();
    await server.stop();
    throw new Error(`${(e as Error).message}\n--- ${kind} log ---\n${tail}`, { cause: e });
  }
  return server;
}

/** Which server the suites test: `ZAB_DIFF_TARGET=zookeeper` validates a harness against the reference. */
export function targetKind(): ServerKind {
  const v = process.env['ZAB_DIFF_TARGET'] ?? 'zab';
  if (v !== 'zab' && v !== 'zookeeper') throw new Error(`ZAB_DIFF_TARGET must be zab or zookeeper, not ${v}`);
  return v;
}
