#!/usr/bin/env node
/**
 * One Node client of the chaos suite, driven over stdin/stdout with JSON lines exactly as the
 * kazoo worker is (see py/kazoo_worker.py): node-zookeeper-client (`--lib nzc`) for plain ops,
 * or @zab/client (`--lib zab`) for its lock recipe and a persistent recursive watch. Every
 * connection leaves from `--local-address`, so the suite can cut this one client off from one
 * member. After a session expires the worker opens a new session, as an application would.
 */
import net from 'node:net';
import readline from 'node:readline';
import { createRequire } from 'node:module';
import { AddWatchMode, BadVersionError, KeeperError, Mutex, NoNodeError, NodeExistsError, NotEmptyError, createClient, type ZooKeeperClient } from '@zab/client';
import { monotonicUs } from '../clock.js';
import type { Command as DriverCommand } from '../run/worker-process.js';
import { hex64 } from '@zab/jute';

interface Args {
  lib: 'nzc' | 'zab';
  hosts: string;
  localAddress: string;
  sessionTimeoutMs: number;
  opTimeoutMs: number;
}

/** A driver's command, with the id its reply must carry. */
type Command = DriverCommand & { id: number };

function parseArgs(argv: string[]): Args {
  const get = (name: string, dflt?: string) => {
    const i = argv.indexOf(`--${name}`);
    const v = i >= 0 ? argv[i + 1] : dflt;
    if (v === undefined) throw new Error(`--${name} is required`);
    return v;
  };
  const lib = get('lib');
  if (lib !== 'nzc' && lib !== 'zab') throw new Error(`--lib must be nzc or zab, not ${lib}`);
  return {
    lib,
    hosts: get('hosts'),
    localAddress: get('local-address'),
    sessionTimeoutMs: Number(get('session-timeout-ms', '6000')),
    opTimeoutMs: Number(get('op-timeout-ms', '8000')),
  };
}

const emit = (obj: object) => process.stdout.write(JSON.stringify(obj) + '\n');

/** Makes every TCP connection of this process leave from `address` (neither client has an option for it). */
function bindConnectionsTo(address: string): void {
  const original = net.connect;
  const patched = (...args: any[]) => {
    if (typeof args[0] === 'object' && args[0] !== null) args[0] = { ...args[0], localAddress: address };
    return (original as any)(...args);
  };
  (net as any).connect = patched;
  (net as any).createConnection = patched;
}

/** What a failed call means: the server answered and nothing changed (fail), or unknown (info). */
function classify(e: unknown): { outcome: 'fail' | 'info'; err: string; expired: boolean } {
  const name = (e as Error)?.name ?? String(e);
  if (e instanceof BadVersionError || e instanceof NoNodeError || e instanceof NodeExistsError || e instanceof NotEmptyError) {
    return { outcome: 'fail', err: name, expired: false };
  }
  const code = typeof (e as any)?.getCode === 'function' ? (e as any).getCode() : e instanceof KeeperError ? e.code : undefined;
  // node-zookeeper-client: BAD_VERSION, NO_NODE, NODE_EXISTS, NOT_EMPTY.
  if (code === -103 || code === -101 || code === -110 || code === -111) return { outcome: 'fail', err: `code ${code}`, expired: false };
  return { outcome: 'info', err: code !== undefined ? `code ${code}: ${(e as Error).message}` : (e as Error)?.message ?? name, expired: code === -112 };
}

/** The operations both libraries offer the driver. */
interface Session {
  id(): string | null;
  get(path: string): Promise<{ value: string; version: number; mzxid: string }>;
  set(path: string, value: string, version: number): Promise<{ version: number; mzxid: string }>;
  create(path: string, value: string, mode: string): Promise<{ path: string }>;
  own(path: string, value: string): Promise<object>;
  /** Deletes the ephemeral node only while it is still this session's (NoNode otherwise). */
  disown(path: string): Promise<object>;
  remove(path: string, version: number): Promise<object>;
  close(): Promise<void>;
}

/** node-zookeeper-client's NoNode error, for "the node is not this session's". */
const notMine = (zk: any) => zk.Exception.create(zk.Exception.NO_NODE, 'not this session\'s node');


function nzcSession(args: Args, onState: (state: string, session: string | null) => void): Session {
  const require = createRequire(import.meta.url);
  const zk = require('node-zookeeper-client');
  // retries: 0, so the library never resends a write on its own behind the history's back.
  const c = zk.createClient(args.hosts, { sessionTimeout: args.sessionTimeoutMs, spinDelay: 100, retries: 0 });
  const id = () => {
    const buf: Buffer | undefined = c.getSessionId();
    return buf && buf.length === 8 && buf.some((b) => b !== 0) ? hex64(buf.readBigInt64BE()) : null;
  };
  let last: string | null = null;
  c.on('state', (s: any) => {
    const name = String(s.name ?? s);
    if (name === 'SYNC_CONNECTED') onState('connected', (last = id()));
    else if (name === 'DISCONNECTED') onState('disconnected', last);
    else if (name === 'EXPIRED') onState('expired', last);
  });
  c.connect();
  const call = <T>(f: (cb: (err: any, ...r: any[]) => void) => void) =>
    new Promise<T>((resolve, reject) => f((err, ...r) => (err ? reject(err) : resolve(r as T))));
  const CreateMode = zk.CreateMode;
  const modes: Record<string, number> = {
    persistent: CreateMode.PERSISTENT,
    persistent_sequential: CreateMode.PERSISTENT_SEQUENTIAL,
    ephemeral: CreateMode.EPHEMERAL,
    ephemeral_sequential: CreateMode.EPHEMERAL_SEQUENTIAL,
  };
  return {
    id: () => last,
    async get(path) {
      const [data, stat] = await call<[Buffer, any]>((cb) => c.getData(path, cb));
      return { value: data ? data.toString() : '', version: stat.version, mzxid: '0x' + stat.mzxid.toString('hex').replace(/^0+(?=.)/, '') };
    },
    async set(path, value, version) {
      const [stat] = await call<[any]>((cb) => c.setData(path, Buffer.from(value), version, cb));
      return { version: stat.version, mzxid: '0x' + stat.mzxid.toString('hex').replace(/^0+(?=.)/, '') };
    },
    async create(path, value, mode) {
      const [created] = await call<[string]>((cb) => c.create(path, Buffer.from(value), modes[mode], cb));
      return { path: created };
    },
    async own(path, value) {
      try {
        await call((cb) => c.create(path, Buffer.from(value), CreateMode.EPHEMERAL, cb));
      } catch (e) {
        if (classify(e).outcome !== 'fail') throw e;
        const [, stat] = await call<[Buffer, any]>((cb) => c.getData(path, cb));
        if ('0x' + stat.ephemeralOwner.toString('hex').replace(/^0+(?=.)/, '') !== last) throw e;
      }
      return {};
    },
    async disown(path) {
      const [, stat] = await call<[Buffer, any]>((cb) => c.getData(path, cb));
      if ('0x' + stat.ephemeralOwner.toString('hex').replace(/^0+(?=.)/, '') !== last) throw notMine(zk);
      await call((cb) => c.remove(path, stat.version, cb));
      return {};
    },
    async remove(path, version) {
      await call((cb) => c.remove(path, version, cb));
      return {};
    },
    async close() {
      c.close();
    },
  };
}

function zabSession(args: Args, onState: (state: string, session: string | null) => void): Session & { client: ZooKeeperClient } {
  const c = createClient(args.hosts, { sessionTimeoutMs: args.sessionTimeoutMs, requestTimeoutMs: args.opTimeoutMs });
  let last: string | null = null;
  c.on('state', (s: string) => {
    if (s === 'connected') onState('connected', (last = hex64(c.sessionId)));
    else if (s === 'disconnected' || s === 'expired') onState(s, last);
  });
  const modeOf = (m: string) => m.replace('_', '-') as any;
  return {
    client: c,
    id: () => last,
    async get(path) {
      const { data, stat } = await c.getData(path);
      return { value: data ? data.toString() : '', version: stat.version, mzxid: hex64(stat.mzxid) };
    },
    async set(path, value, version) {
      const stat = await c.setData(path, value, version);
      return { version: stat.version, mzxid: hex64(stat.mzxid) };
    },
    async create(path, value, mode) {
      return { path: await c.create(path, value, { mode: modeOf(mode) }) };
    },
    async own(path, value) {
      try {
        await c.create(path, value, { mode: 'ephemeral' });
      } catch (e) {
        if (!(e instanceof NodeExistsError)) throw e;
        const { stat } = await c.getData(path);
        if (hex64(stat.ephemeralOwner) !== last) throw e;
      }
      return {};
    },
    async disown(path) {
      const { stat } = await c.getData(path);
      if (hex64(stat.ephemeralOwner) !== last) throw new NoNodeError();
      await c.delete(path, stat.version);
      return {};
    },
    async remove(path, version) {
      await c.delete(path, version);
      return {};
    },
    close: () => c.close(),
  };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  bindConnectionsTo(args.localAddress);
  let session: Session & { client?: ZooKeeperClient };
  let mutex: Mutex | null = null;
  let watching: string | null = null;
  /** Set once the driver asked to close: what the library reports after that is not news. */
  let closing = false;
  const open = () => {
    const onState = (state: string, id: string | null) => {
      if (closing) return;
      emit({ ev: 'state', state, session: id, t: monotonicUs(), wall: Date.now() });
      if (state === 'expired') {
        // The old client is finished: go on with a new session (and a new lock object).
        void session.close().catch(() => undefined);
        mutex = null;
        open();
        if (watching) rewatch(watching);
      }
    };
    session = args.lib === 'nzc' ? nzcSession(args, onState) : zabSession(args, onState);
  };
  /** A persistent recursive watch, registered (awaited) before the op that asked for it returns. */
  const startWatch = async (path: string) => {
    await session.client!.addWatch(path, AddWatchMode.PERSISTENT_RECURSIVE, (e) => {
      if (e.type !== -1) emit({ ev: 'watch', type: e.type, path: e.path, t: monotonicUs() });
    });
    emit({ ev: 'watchRegistered', t: monotonicUs() });
  };
  /**
   * A new session (the old one expired) has no watch: register it again, retrying each second
   * while that fails (the ensemble may still be healing), until this session ends too.
   */
  const rewatch = (path: string) => {
    const mine = session;
    startWatch(path).catch((err) => {
      emit({ ev: 'watchLost', err: String(err), t: monotonicUs() });
      if (!closing && session === mine) setTimeout(() => session === mine && !closing && rewatch(path), 1_000);
    });
  };
  open();
  emit({ ev: 'ready', t: monotonicUs() });

  const withTimeout = <T>(p: Promise<T>, ms: number): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
      p.then(
        (v) => (clearTimeout(t), resolve(v)),
        (e) => (clearTimeout(t), reject(e)),
      );
    });

  const run = async (cmd: Command): Promise<object> => {
    const path = cmd.path ?? '/';
    switch (cmd.op) {
      case 'get':
        return session.get(path);
      case 'set':
        return session.set(path, cmd.value!, cmd.version ?? -1);
      case 'create':
        return session.create(path, cmd.value ?? '', cmd.mode ?? 'persistent');
      case 'own':
        return session.own(path, cmd.value!);
      case 'disown':
        return session.disown(path);
      case 'delete':
        return session.remove(path, cmd.version ?? -1);
      case 'lockAcquire': {
        if (!session.client) throw new Error('the lock recipe needs --lib zab');
        if (!mutex) {
          mutex = new Mutex(session.client, path);
          mutex.on('lost', () => emit({ ev: 'lockLost', t: monotonicUs(), session: session.id() }));
        }
        await mutex.acquire(cmd.timeoutMs ?? 5_000);
        return {};
      }
      case 'lockRelease':
        if (!mutex?.isHeld) throw new Error('lock not held');
        await mutex.release();
        return {};
      case 'watch':
        if (!session.client) throw new Error('the persistent recursive watch needs --lib zab');
        watching = path;
        await startWatch(path);
        return {};
      case 'close':
        closing = true;
        await session.close();
        return {};
      default:
        throw new Error(`unknown op ${cmd.op}`);
    }
  };

  const lines = readline.createInterface({ input: process.stdin });
  for await (const line of lines) {
    if (!line.trim()) continue;
    const cmd = JSON.parse(line) as Command;
    const sessionAtInvoke = session!.id();
    const t0 = monotonicUs();
    let reply: object;
    try {
      // The lock's own wait has its own bound; everything else the op timeout.
      const bound = cmd.op === 'lockAcquire' ? (cmd.timeoutMs ?? 5_000) + args.opTimeoutMs : args.opTimeoutMs;
      reply = { outcome: 'ok', ...(await withTimeout(run(cmd), bound)) };
    } catch (e) {
      const c = classify(e);
      reply = { outcome: c.outcome, err: c.err, ...(c.expired ? { expiredSession: sessionAtInvoke, wall: Date.now() } : {}) };
      if (cmd.op === 'lockAcquire' && (e as Error).name === 'LockTimeoutError') reply = { outcome: 'fail', err: 'LockTimeout' };
    }
    emit({ id: cmd.id, t0, t1: monotonicUs(), session: sessionAtInvoke, ...reply });
    if (cmd.op === 'close') break;
  }
  process.exit(0);
}

main().catch((e) => {
  process.stderr.write(`worker failed: ${(e as Error).stack}\n`);
  process.exit(1);
});
