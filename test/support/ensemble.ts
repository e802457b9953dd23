// Starts a local ensemble of real server processes on loopback (zab's, or Apache ZooKeeper's
// from the same zoo.cfg lines), each member with its own ports, data directory and log.
// Members can be killed, paused, wiped and restarted; readiness is polled with deadlines.
import type { ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { RawClient } from './raw-client.js';
import { SUPER_PASSWORD, digestId, fourLetter, freePort, spawnServer, type ServerKind } from './launch.js';
import { settlesWithin, waitFor } from './wait.js';

/** Every member process started here, killed if the test process exits without stopping them. */
const started = new Set<ChildProcess>();
process.once('exit', () => {
  for (const p of started) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
});

export interface Member {
  readonly id: number;
  readonly role: 'participant' | 'observer';
  readonly clientPort: number;
  readonly quorumPort: number;
  readonly electionPort: number;
  readonly dataDir: string;
  readonly logFile: string;
  /** Whether the process is running (it may be paused). */
  readonly running: boolean;
  /** The running process's id (the JVM's for ZooKeeper), or undefined. */
  readonly pid: number | undefined;
  /** Starts the process (again), with the data it has. */
  start(): Promise<void>;
  kill(signal?: NodeJS.Signals): Promise<void>;
  pause(): void;
  resume(): void;
  /** Deletes the member's data (it must be stopped); myid stays. */
  wipe(): Promise<void>;
  /** srvr's Mode, or null when it answers nothing useful. */
  mode(): Promise<string | null>;
  logTail(lines?: number): Promise<string>;
}

export interface Ensemble {
  kind: ServerKind;
  members: Member[];
  /**
   * Servers made to join by reconfiguration (EnsembleOptions.joiners), not started: each one's
   * zoo.cfg lists the members and itself, the members' do not list it. waitServing does not count them.
   */
  joiners: Member[];
  /** host:port of every member, for a client's connect string. */
  connectString: string;
  /** Waits until `count` members serve (Mode leader/follower/observer) and returns the leader. */
  waitServing(count?: number, deadlineMs?: number): Promise<Member>;
  leader(deadlineMs?: number): Promise<Member>;
  stop(): Promise<void>;
}

export interface EnsembleOptions {
  voters?: number;
  observers?: number;
  tickTimeMs?: number;
  cfg?: Record<string, string>;
  /** ZooKeeper only: extra -D system properties. */
  javaProps?: Record<string, string>;
  /** zab only: extra environment of the member processes (e.g. SERVER_JVMFLAGS, which zab reads -D settings from). */
  env?: Record<string, string>;
  /** Extra zoo.cfg lines for one member (e.g. its own admin port, or server.N lines through a proxy); `all` holds every member's ports. */
  memberCfg?: (id: number, all: readonly MemberPorts[]) => Record<string, string>;
  startTimeoutMs?: number;
  /** Participants to add later by reconfiguration (see Ensemble.joiners). */
  joiners?: number;
  /** Members (by id) that are configured in every zoo.cfg but not started. */
  notStarted?: number[];
}

/** A member's ports, as its server.N line gives them. */
export interface MemberPorts {
  id: number;
  client: number;
  quorum: number;
  election: number;
}

/** Sends srvr and returns its Mode, or null. */
export async function modeOf(port: number): Promise<string | null> {
  try {
    const out = await fourLetter(port, 'srvr', 2_000);
    return /Mode: (\w+)/.exec(out)?.[1] ?? null;
  } catch {
    return null;
  }
}

export async function startEnsemble(kind: ServerKind, opts: EnsembleOptions = {}): Promise<Ensemble> {
  const voters = opts.voters ?? 3;
  const observers = opts.observers ?? 0;
  const dir = await mkdtemp(path.join(os.tmpdir(), `zab-ens-${kind}-`));
  const specs: { id: number; role: 'participant' | 'observer'; client: number; quorum: number; election: number }[] = [];
  for (let id = 1; id <= voters + observers; id++) {
    specs.push({ id, role: id > voters ? 'observer' : 'participant', client: await freePort(), quorum: await freePort(), election: await freePort() });
  }
  const serverLines = Object.fromEntries(
    specs.map((s) => [`server.${s.id}`, `127.0.0.1:${s.quorum}:${s.election}${s.role === 'observer' ? ':observer' : ''};127.0.0.1:${s.client}`]),
  );
  const members: Member[] = [];
  for (const s of specs) members.push(await makeMember(kind, dir, s, serverLines, opts, specs));
  const joiners: Member[] = [];
  for (let id = specs.length + 1; id <= specs.length + (opts.joiners ?? 0); id++) {
    const j = { id, role: 'participant' as const, client: await freePort(), quorum: await freePort(), election: await freePort() };
    const lines = { ...serverLines, [`server.${id}`]: `127.0.0.1:${j.quorum}:${j.election};127.0.0.1:${j.client}` };
    joiners.push(await makeMember(kind, dir, j, lines, opts, [...specs, j]));
  }
  const ensemble: Ensemble = {
    kind,
    members,
    joiners,
    connectString: specs.map((s) => `127.0.0.1:${s.client}`).join(','),
    async waitServing(count = members.length, deadlineMs = 60_000) {
      let modes: (string | null)[] = [];
      const leader = async () => {
        modes = await Promise.all(members.map((m) => (m.running ? m.mode() : Promise.resolve(null))));
        const serving = modes.filter((x) => x === 'leader' || x === 'follower' || x === 'observer').length;
        const leaders = members.filter((_, i) => modes[i] === 'leader');
        return serving >= count && leaders.length === 1 ? leaders[0] : undefined;
      };
      const explain = async () => {
        const tails = await Promise.all(members.map(async (m) => `--- member ${m.id} ---\n${await m.logTail(15)}`));
        return `modes: ${JSON.stringify(modes)}\n${tails.join('\n')}`;
      };
      return waitFor(`${count} serving members with one leader`, leader, { deadlineMs, pollMs: 100, explain });
    },
    async leader(deadlineMs = 60_000) {
      const running = members.filter((m) => m.running).length;
      return ensemble.waitServing(Math.min(running, Math.floor(voters / 2) + 1), deadlineMs);
    },
    async stop() {
      await Promise.all([...members, ...joiners].map((m) => m.kill('SIGTERM')));
      await rm(dir, { recursive: true, force: true });
    },
  };
  try {
    const starting = members.filter((m) => !opts.notStarted?.includes(m.id));
    await Promise.all(starting.map((m) => m.start()));
    await ensemble.waitServing(starting.length, opts.startTimeoutMs ?? 90_000);
  } catch (e) {
    await ensemble.stop();
    throw e;
  }
  return ensemble;
}

async function makeMember(
  kind: ServerKind,
  dir: string,
  s: { id: number; role: 'participant' | 'observer'; client: number; quorum: number; election: number },
  serverLines: Record<string, string>,
  opts: EnsembleOptions,
  all: readonly MemberPorts[],
): Promise<Member> {
  const home = path.join(dir, `node-${s.id}`);
  const dataDir = path.join(home, 'data');
  const cfgFile = path.join(home, 'zoo.cfg');
  const logFile = path.join(home, 'server.log');
  await mkdir(dataDir, { recursive: true });
  await writeFile(path.join(dataDir, 'myid'), `${s.id}\n`);
  const lines: Record<string, string> = {
    tickTime: String(opts.tickTimeMs ?? 500),
    initLimit: '10',
    syncLimit: '5',
    dataDir,
    standaloneEnabled: 'false',
    '4lw.commands.whitelist': '*',
    extendedTypesEnabled: 'true',
    'DigestAuthenticationProvider.superDigest': digestId('super', SUPER_PASSWORD),
    'admin.enableServer': 'false',
    maxClientCnxns: '0',
    ...(s.role === 'observer' ? { peerType: 'observer' } : {}),
    ...serverLines,
    ...opts.cfg,
    ...opts.memberCfg?.(s.id, all),
  };
  await writeFile(cfgFile, Object.entries(lines).map(([k, v]) => `${k}=${v}`).join('\n') + '\n');
  let proc: ChildProcess | null = null;
  let exited: Promise<void> = Promise.resolve();
  let out: WriteStream | null = null;
  const member: Member = {
    id: s.id,
    role: s.role,
    clientPort: s.client,
    quorumPort: s.quorum,
    electionPort: s.election,
    dataDir,
    logFile,
    get running() {
      return proc !== null && proc.exitCode === null && proc.signalCode === null;
    },
    get pid() {
      return member.running ? proc!.pid : undefined;
    },
    async start() {
      if (member.running) return;
      out = createWriteStream(logFile, { flags: 'a' });
      proc = spawnServer(kind, cfgFile, home, opts.javaProps, [], { env: opts.env });
      proc.stdout!.pipe(out);
      proc.stderr!.pipe(out);
      const p = proc;
      started.add(p);
      exited = new Promise<void>((resolve) =>
        p.once('exit', () => {
          started.delete(p);
          resolve();
        }),
      );
    },
    async kill(signal: NodeJS.Signals = 'SIGKILL') {
      if (!proc || !member.running) return;
      if (signal === 'SIGTERM') proc.kill('SIGCONT');
      proc.kill(signal);
      const done = await settlesWithin(exited, 10_000);
      if (!done) {
        proc.kill('SIGKILL');
        await exited;
      }
      out?.end();
    },
    pause() {
      proc?.kill('SIGSTOP');
    },
    resume() {
      proc?.kill('SIGCONT');
    },
    async wipe() {
      if (member.running) throw new Error('wipe: stop the member first');
      await rm(dataDir, { recursive: true, force: true });
      await mkdir(dataDir, { recursive: true });
      await writeFile(path.join(dataDir, 'myid'), `${s.id}\n`);
    },
    mode: () => modeOf(s.client),
    async logTail(n = 40) {
      try {
        return (await readFile(logFile, 'utf8')).split('\n').slice(-n).join('\n');
      } catch {
        return '';
      }
    },
  };
  return member;
}

/** A session on one member, for tests that write through a chosen server. */
export function connectTo(member: Member, timeoutMs = 10_000): Promise<RawClient> {
  return RawClient.connect({ port: member.clientPort, sessionTimeoutMs: timeoutMs });
}
