import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sendFourLetterWord } from '@zab/cli';

export type Target = 'zab' | 'zookeeper';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
export const ZAB_BIN = path.join(REPO_ROOT, 'packages/server/dist/bin/zkserver.js');
const ZK_CLASSPATH = '/usr/share/java/zookeeper.jar:/usr/share/java/slf4j-simple.jar';

export const CLIENT_PORT = 2181;
const QUORUM_PORT = 2888;
const ELECTION_PORT = 3888;

/** Timing of the ensemble under test; zab and ZooKeeper get the same zoo.cfg. */
export interface EnsembleTiming {
  tickTimeMs: number;
  initLimitTicks: number;
  syncLimitTicks: number;
}

export interface MemberSpec {
  id: number;
  ns: string;
  ip: string;
  dataDir: string;
  /** Where the config and the process's output go (not on the member's small filesystem). */
  homeDir: string;
}

/**
 * One member process (zab's zkserver or ZooKeeper's QuorumPeerMain) inside its network
 * namespace. `ip netns exec` execs the server in place, so the pid is the server's own and
 * SIGSTOP/SIGCONT/SIGKILL reach it directly. Output is appended to `logFile` across restarts.
 */
export class Member {
  private proc: ChildProcess | null = null;
  private out: WriteStream | null = null;
  private exited: Promise<void> = Promise.resolve();
  /** Set when the process exited without being asked to; cleared by start(). */
  downUnexpectedly: string | null = null;
  /** When (Date.now()) the current or last process started, and when it exited on its own. */
  startedAtMs = 0;
  downAtMs = 0;
  private expectingExit = false;
  paused = false;
  readonly logFile: string;
  readonly cfgFile: string;

  constructor(
    readonly target: Target,
    readonly spec: MemberSpec,
    private readonly onStarted: (pid: number) => Promise<void>,
  ) {
    this.logFile = path.join(spec.homeDir, 'server.log');
    this.cfgFile = path.join(spec.homeDir, 'zoo.cfg');
  }

  get id(): number {
    return this.spec.id;
  }

  get running(): boolean {
    return this.proc !== null && this.proc.exitCode === null && this.proc.signalCode === null;
  }

  get pid(): number | undefined {
    return this.proc?.pid;
  }

  /** Writes zoo.cfg and myid (once). */
  async configure(all: readonly MemberSpec[], timing: EnsembleTiming): Promise<void> {
    await mkdir(this.spec.homeDir, { recursive: true });
    await mkdir(this.spec.dataDir, { recursive: true });
    await writeFile(path.join(this.spec.dataDir, 'myid'), `${this.spec.id}\n`);
    const lines: Record<string, string> = {
      tickTime: String(timing.tickTimeMs),
      initLimit: String(timing.initLimitTicks),
      syncLimit: String(timing.syncLimitTicks),
      dataDir: this.spec.dataDir,
      clientPort: String(CLIENT_PORT),
      standaloneEnabled: 'false',
      '4lw.commands.whitelist': '*',
      'admin.enableServer': 'false',
      maxClientCnxns: '0',
    };
    for (const m of all) lines[`server.${m.id}`] = `${m.ip}:${QUORUM_PORT}:${ELECTION_PORT};${CLIENT_PORT}`;
    await writeFile(this.cfgFile, Object.entries(lines).map(([k, v]) => `${k}=${v}`).join('\n') + '\n');
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.out ??= createWriteStream(this.logFile, { flags: 'a' });
    const cmd =
      this.target === 'zab'
        ? [process.execPath, ZAB_BIN, '--config', this.cfgFile]
        : [
            'java',
            '-Xmx256m',
            '-XX:+UseSerialGC',
            '-cp',
            ZK_CLASSPATH,
            '-Dzookeeper.admin.enableServer=false',
            '-Dorg.slf4j.simpleLogger.showDateTime=true',
            'org.apache.zookeeper.server.quorum.QuorumPeerMain',
            this.cfgFile,
          ];
    const p = spawn('ip', ['netns', 'exec', this.spec.ns, ...cmd], { stdio: ['ignore', 'pipe', 'pipe'], cwd: this.spec.homeDir });
    this.proc = p;
    this.paused = false;
    this.expectingExit = false;
    this.downUnexpectedly = null;
    this.startedAtMs = Date.now();
    p.stdout!.pipe(this.out, { end: false });
    p.stderr!.pipe(this.out, { end: false });
    this.exited = new Promise<void>((resolve) =>
      p.once('exit', (code, signal) => {
        if (!this.expectingExit) {
          this.downUnexpectedly = `exit ${code ?? signal}`;
          this.downAtMs = Date.now();
        }
        resolve();
      }),
    );
    await this.onStarted(p.pid!);
  }

  /** Sends `signal`; for SIGKILL/SIGTERM waits (bounded) for the exit, escalating to SIGKILL. */
  async kill(signal: 'SIGKILL' | 'SIGTERM' = 'SIGKILL'): Promise<void> {
    if (!this.proc || !this.running) return;
    this.expectingExit = true;
    if (this.paused) this.resume();
    this.proc.kill(signal);
    const done = await Promise.race([this.exited.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 15_000))]);
    if (!done) {
      this.proc.kill('SIGKILL');
      await this.exited;
    }
  }

  pause(): void {
    if (!this.running) return;
    this.proc!.kill('SIGSTOP');
    this.paused = true;
  }

  resume(): void {
    if (!this.running) return;
    this.proc!.kill('SIGCONT');
    this.paused = false;
  }

  /** srvr's Mode (leader, follower, observer, standalone) or null when not serving or unreachable. */
  async mode(timeoutMs = 1_000): Promise<string | null> {
    return (await this.probe(timeoutMs)).mode;
  }

  /** Whether the process answers srvr at all (it is up), and its Mode if it serves. */
  async probe(timeoutMs = 1_000): Promise<{ answered: boolean; mode: string | null }> {
    try {
      const out = await sendFourLetterWord({ host: this.spec.ip, port: CLIENT_PORT }, 'srvr', timeoutMs);
      return { answered: out.length > 0, mode: /Mode: (\w+)/.exec(out)?.[1] ?? null };
    } catch {
      return { answered: false, mode: null };
    }
  }

  async logTail(lines = 30): Promise<string> {
    return (await readFile(this.logFile, 'utf8').catch(() => '')).split('\n').slice(-lines).join('\n');
  }

  async close(): Promise<void> {
    await this.kill('SIGTERM');
    await new Promise<void>((r) => (this.out ? this.out.end(() => r()) : r()));
    this.out = null;
  }
}
