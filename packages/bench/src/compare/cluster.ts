// A local ensemble of zab or Apache ZooKeeper 3.8 processes, started from the same zoo.cfg files
// (one member: standalone). Members can be SIGKILLed and started again on their data; the
// ensemble is serving when every member says leader or follower (or standalone) in srvr.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { nowMs, sleepMs } from '../clock.js';
import { fourLetter, fourLetterNumber } from '../four-letter.js';
import type { Endpoint } from '../session.js';
import type { PortPicker } from './ports.js';

export type ServerKind = 'zab' | 'zookeeper';

/** The Java classpath of Debian's zookeeper package (its jar's manifest names the rest). */
export const ZK_CLASSPATH = '/usr/share/java/zookeeper.jar:/usr/share/java/slf4j-simple.jar';

export interface ClusterOptions {
  kind: ServerKind;
  /** 1: a standalone server; more: an ensemble of that many voting members. */
  members: number;
  /** An empty directory the cluster owns (configs, data, logs). */
  dir: string;
  ports: PortPicker;
  /** zkserver.js to run for zab. */
  zabBin: string;
  /** ZooKeeper's -Xmx, e.g. "1g". */
  zkHeap: string;
  /** zab only: write a V8 CPU profile of every member process into this directory. */
  cpuProfDir?: string;
  /** Extra zoo.cfg lines (both kinds). */
  cfg?: Record<string, string>;
}

const POLL_MS = 50;

/** One member: its zoo.cfg, data, log and (while running) process. */
export class Member {
  proc: ChildProcess | undefined;
  private starts = 0;
  /** The CPU profile file of each start (zab with cpuProfDir). */
  readonly profiles: string[] = [];

  constructor(
    readonly id: number,
    readonly clientPort: number,
    readonly home: string,
    private readonly opts: ClusterOptions,
  ) {}

  get endpoint(): Endpoint {
    return { host: '127.0.0.1', port: this.clientPort };
  }

  get cfgFile(): string {
    return path.join(this.home, 'zoo.cfg');
  }

  get dataDir(): string {
    return path.join(this.home, 'data');
  }

  get logFile(): string {
    return path.join(this.home, 'server.log');
  }

  get pid(): number {
    if (this.proc?.pid === undefined || !this.running) throw new Error(`member ${this.id} is not running`);
    return this.proc.pid;
  }

  get running(): boolean {
    return this.proc !== undefined && this.proc.exitCode === null && this.proc.signalCode === null;
  }

  start(): void {
    if (this.running) throw new Error(`member ${this.id} is already running`);
    const log = createWriteStream(this.logFile, { flags: 'a' });
    this.starts++;
    if (this.opts.kind === 'zab') {
      const prof: string[] = [];
      if (this.opts.cpuProfDir) {
        const name = `node-${this.id}-start-${this.starts}.cpuprofile`;
        prof.push('--cpu-prof', '--cpu-prof-dir', this.opts.cpuProfDir, '--cpu-prof-name', name);
        this.profiles.push(path.join(this.opts.cpuProfDir, name));
      }
      this.proc = spawn(process.execPath, [...prof, this.opts.zabBin, '--config', this.cfgFile, '--log-level', 'warn'], { stdio: ['ignore', 'pipe', 'pipe'], cwd: this.home });
    } else {
      this.proc = spawn(
        'java',
        [
          `-Xmx${this.opts.zkHeap}`,
          '-cp',
          ZK_CLASSPATH,
          '-Dzookeeper.admin.enableServer=false',
          '-Dorg.slf4j.simpleLogger.defaultLogLevel=warn',
          'org.apache.zookeeper.server.quorum.QuorumPeerMain',
          this.cfgFile,
        ],
        { stdio: ['ignore', 'pipe', 'pipe'], cwd: this.home },
      );
    }
    this.proc.stdout!.pipe(log);
    this.proc.stderr!.pipe(log);
    // A process that cannot start (no java on PATH) shows up as an exit in waitServing.
    this.proc.on('error', (e) => log.write(`cannot start: ${e.message}\n`));
  }

  /** Sends `signal` and waits for the process to exit (SIGKILL after 20 s if it has not). */
  async stop(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const p = this.proc;
    if (!p || !this.running) return;
    const exited = new Promise<void>((resolve) => p.once('exit', () => resolve()));
    p.kill(signal);
    const timer = setTimeout(() => p.kill('SIGKILL'), 20_000);
    await exited;
    clearTimeout(timer);
  }

  /** srvr's Mode, or null when the member does not answer or is not serving. */
  async mode(): Promise<string | null> {
    try {
      return /Mode: (\w+)/.exec(await fourLetter('127.0.0.1', this.clientPort, 'srvr', 2_000))?.[1] ?? null;
    } catch {
      return null;
    }
  }

  /** srvr's Node count, or null. */
  async nodeCount(): Promise<number | null> {
    try {
      return fourLetterNumber(await fourLetter('127.0.0.1', this.clientPort, 'srvr', 2_000), 'Node count');
    } catch {
      return null;
    }
  }

  logTail(lines = 30): string {
    try {
      return readFileSync(this.logFile, 'utf8').split('\n').slice(-lines).join('\n');
    } catch {
      return '';
    }
  }
}

/** Checks that the servers of `kind` can be started here; throws a message saying what is missing. */
export function checkInstalled(kind: ServerKind, zabBin: string): void {
  if (kind === 'zab' && !existsSync(zabBin)) throw new Error(`${zabBin} does not exist: build zab first (npm run build)`);
  if (kind === 'zookeeper') {
    for (const jar of ZK_CLASSPATH.split(':')) if (!existsSync(jar)) throw new Error(`${jar} is missing: install Debian's zookeeper package`);
    const java = spawnSync('java', ['-version'], { encoding: 'utf8' });
    if (java.error || java.status !== 0) throw new Error(`java does not run (${java.error?.message ?? java.stderr}): install a JDK (openjdk-17-jre-headless)`);
  }
}

/**
 * Owns its member processes and its directory: stop() must be called whatever happens. Should
 * this process exit first (an uncaught error, a signal), the members are SIGKILLed and the
 * directory removed on the way out.
 */
export class Cluster {
  private readonly killOnExit = () => {
    for (const m of this.members) if (m.running) m.proc!.kill('SIGKILL');
    rmSync(this.dir, { recursive: true, force: true });
  };

  private constructor(
    readonly kind: ServerKind,
    readonly members: Member[],
    private readonly ports: number[],
    private readonly picker: PortPicker,
    private readonly dir: string,
  ) {
    process.on('exit', this.killOnExit);
  }

  static async create(opts: ClusterOptions): Promise<Cluster> {
    checkInstalled(opts.kind, opts.zabBin);
    const specs: { id: number; client: number; quorum: number; election: number }[] = [];
    for (let id = 1; id <= opts.members; id++) {
      specs.push({ id, client: await opts.ports.take(), quorum: await opts.ports.take(), election: await opts.ports.take() });
    }
    const members = specs.map((s) => {
      const home = path.join(opts.dir, `node-${s.id}`);
      mkdirSync(path.join(home, 'data'), { recursive: true });
      const lines = [
        'tickTime=2000',
        'initLimit=10',
        'syncLimit=5',
        `dataDir=${path.join(home, 'data')}`,
        '4lw.commands.whitelist=*',
        'admin.enableServer=false',
        'maxClientCnxns=0',
        ...Object.entries(opts.cfg ?? {}).map(([k, v]) => `${k}=${v}`),
      ];
      if (opts.members === 1) {
        lines.push(`clientPort=${s.client}`, 'clientPortAddress=127.0.0.1');
      } else {
        writeFileSync(path.join(home, 'data', 'myid'), `${s.id}\n`);
        lines.push('standaloneEnabled=false', ...specs.map((o) => `server.${o.id}=127.0.0.1:${o.quorum}:${o.election};127.0.0.1:${o.client}`));
      }
      writeFileSync(path.join(home, 'zoo.cfg'), `${lines.join('\n')}\n`);
      return new Member(s.id, s.client, home, opts);
    });
    return new Cluster(opts.kind, members, specs.flatMap((s) => [s.client, s.quorum, s.election]), opts.ports, opts.dir);
  }

  get hosts(): Endpoint[] {
    return this.members.map((m) => m.endpoint);
  }

  startAll(): void {
    for (const m of this.members) m.start();
  }

  /** Waits until every running member serves; returns the leader (the only member when standalone). */
  async waitServing(deadlineMs = 180_000): Promise<Member> {
    const until = nowMs() + deadlineMs;
    let modes: (string | null)[] = [];
    while (nowMs() < until) {
      const running = this.members.filter((m) => m.running);
      const dead = this.members.find((m) => m.proc !== undefined && !m.running && m.proc.signalCode === null);
      if (dead) throw new Error(`${this.kind} member ${dead.id} exited (${dead.proc!.exitCode}):\n${dead.logTail()}`);
      modes = await Promise.all(running.map((m) => m.mode()));
      const leaders = running.filter((_, i) => modes[i] === 'leader' || modes[i] === 'standalone');
      if (modes.every((x) => x === 'leader' || x === 'follower' || x === 'standalone') && leaders.length === 1) return leaders[0]!;
      await sleepMs(POLL_MS);
    }
    throw new Error(`${this.kind} ensemble did not serve within ${deadlineMs} ms (modes ${modes.join(', ')})\n${this.members.map((m) => `--- member ${m.id}\n${m.logTail(10)}`).join('\n')}`);
  }

  /** Waits until every member serves and holds at least `count` znodes (srvr Node count). */
  async waitNodeCount(count: number, deadlineMs = 900_000): Promise<void> {
    const until = nowMs() + deadlineMs;
    while (nowMs() < until) {
      const counts = await Promise.all(this.members.map((m) => m.nodeCount()));
      if (counts.every((c) => c !== null && c >= count)) return;
      const dead = this.members.find((m) => !m.running);
      if (dead) throw new Error(`${this.kind} member ${dead.id} exited while restarting:\n${dead.logTail()}`);
      await sleepMs(POLL_MS);
    }
    throw new Error(`${this.kind}: not every member served ${count} znodes within ${deadlineMs} ms`);
  }

  async stop(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    await Promise.all(this.members.map((m) => m.stop(signal)));
    process.off('exit', this.killOnExit);
    this.picker.release(this.ports);
  }
}
