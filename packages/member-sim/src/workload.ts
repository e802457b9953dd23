import { AddWatchMode, CreateMode, ErrorCode, EventType, Perms, errorName } from '@zab/jute';
import type { History, OpRecord } from '@zab/chaos';
import type { Rng } from '@zab/quorum';
import type { Scheduler } from './scheduler.js';
import { ConnectionLoss, type Reply, type SimClient } from './sim-client.js';

/** The znodes the workload uses. */
export const PATHS = {
  registers: ['/r0', '/r1'],
  sequenceParent: '/seq',
  lock: '/lock',
  owner: '/owner',
} as const;

export const OPEN_ACL = [{ perms: Perms.ALL, id: { scheme: 'world', id: 'anyone' } }];

type Fields = Omit<OpRecord, 'id' | 'client' | 'session' | 't0' | 't1' | 'outcome' | 'result' | 'err' | 'wall' | 'expiredSession'>;
type Result = OpRecord['result'];

/** A finished op's outcome, as the client saw it. */
interface Done {
  outcome: OpRecord['outcome'];
  err?: string;
  result?: Result;
}

/**
 * The simulated clients' workloads, as issue 13 lists them: registers (get; set with a unique
 * value; compare-and-set on the version last seen; sync then get), sequential creates, an
 * ephemeral node that one client at a time owns, a lock (ephemeral sequential nodes, the
 * lowest holds), and a persistent recursive watcher. Each op is recorded in the history with
 * its virtual invoke and completion times and outcome: ok, a definite failure, or
 * indeterminate (connection loss: it may or may not have taken effect).
 */
export class Workload {
  private nextOpId = 1;
  private nextValue = 1;
  running = true;

  constructor(
    private readonly scheduler: Scheduler,
    private readonly rng: Rng,
    readonly history: History,
  ) {}

  /** Runs `run` as op `fields` of `client`, recording it. */
  async op(client: SimClient, fields: Fields, run: () => Promise<Done>): Promise<Done> {
    const id = this.nextOpId++;
    const session = client.session;
    const t0 = this.scheduler.nowMs * 1000;
    let done: Done;
    try {
      done = await run();
    } catch (e) {
      if (!(e instanceof ConnectionLoss)) throw e;
      done = { outcome: 'info', err: 'ConnectionLoss' };
    }
    const expired = done.err === errText(ErrorCode.SESSIONEXPIRED);
    this.history.ops.push({
      id,
      client: client.name,
      session,
      ...fields,
      t0,
      t1: this.scheduler.nowMs * 1000,
      outcome: done.outcome,
      ...(done.err !== undefined ? { err: done.err } : {}),
      result: done.result ?? {},
      ...(expired && session ? { expiredSession: session, wall: this.scheduler.wallMs } : {}),
    });
    return done;
  }

  private value(client: SimClient): string {
    return `${client.name}:${this.nextValue++}`;
  }

  /** Between ops: 5-60 ms. */
  private pause(): Promise<void> {
    return this.scheduler.sleep(this.rng.int(5, 60));
  }

  /** get / set / CAS / sync+get on the registers. */
  async registers(client: SimClient): Promise<void> {
    const lastVersion = new Map<string, number>();
    while (this.running) {
      await client.connected();
      if (!this.running) return;
      const path = this.rng.pick(PATHS.registers);
      const kind = this.rng.int(0, 3);
      if (kind === 0) {
        const d = await this.op(client, { op: 'get', path }, async () => readData(await client.call('getData', { path, watch: false })));
        if (d.result?.version !== undefined) lastVersion.set(path, d.result.version);
      } else if (kind === 1) {
        const value = this.value(client);
        await this.op(client, { op: 'set', path, value }, async () => written(await client.call('setData', { path, data: Buffer.from(value), version: -1 })));
      } else if (kind === 2) {
        const value = this.value(client);
        const expectedVersion = lastVersion.get(path) ?? 0;
        const d = await this.op(client, { op: 'set', path, value, expectedVersion }, async () =>
          written(await client.call('setData', { path, data: Buffer.from(value), version: expectedVersion })),
        );
        if (d.result?.version !== undefined) lastVersion.set(path, d.result.version);
      } else {
        const d = await this.op(client, { op: 'syncGet', path }, async () => {
          const s = await client.call('sync', { path });
          if (s.err !== 0) return failed(s.err);
          return readData(await client.call('getData', { path, watch: false }));
        });
        if (d.result?.version !== undefined) lastVersion.set(path, d.result.version);
      }
      await this.pause();
    }
  }

  /** Sequential creates under /seq, each with a unique value. */
  async sequence(client: SimClient): Promise<void> {
    while (this.running) {
      await client.connected();
      if (!this.running) return;
      const value = this.value(client);
      await this.op(client, { op: 'create', path: `${PATHS.sequenceParent}/n-`, value }, async () => {
        const r = await client.call('create', { path: `${PATHS.sequenceParent}/n-`, data: Buffer.from(value), acl: OPEN_ACL, flags: CreateMode.PERSISTENT_SEQUENTIAL });
        return r.err === 0 ? { outcome: 'ok', result: { path: r.body!.path } } : failed(r.err);
      });
      await this.pause();
    }
  }

  /** Ownership of an ephemeral node: create it, hold it a while, delete it. */
  async owner(client: SimClient): Promise<void> {
    const path = PATHS.owner;
    while (this.running) {
      await client.connected();
      if (!this.running) return;
      const d = await this.op(client, { op: 'own', path }, async () =>
        created(await client.call('create', { path, data: Buffer.from(client.name), acl: OPEN_ACL, flags: CreateMode.EPHEMERAL })),
      );
      if (d.outcome === 'ok') {
        await this.scheduler.sleep(this.rng.int(20, 200));
        await this.op(client, { op: 'disown', path }, async () => deleted(await client.call('delete', { path, version: -1 })));
      } else if (d.outcome === 'info') {
        await this.cleanUp(client, path);
      }
      await this.scheduler.sleep(this.rng.int(20, 100));
    }
  }

  /** The lock recipe: an ephemeral sequential node under /lock; the lowest holds. */
  async lock(client: SimClient): Promise<void> {
    const prefix = `${PATHS.lock}/${client.name}-`;
    while (this.running) {
      await client.connected();
      if (!this.running) return;
      let mine: string | null = null;
      const d = await this.op(client, { op: 'lockAcquire', path: PATHS.lock }, async () => {
        const r = await client.call('create', { path: prefix, data: null, acl: OPEN_ACL, flags: CreateMode.EPHEMERAL_SEQUENTIAL });
        if (r.err !== 0) return failed(r.err);
        mine = r.body!.path;
        for (let tries = 0; tries < 100; tries++) {
          const c = await client.call('getChildren', { path: PATHS.lock, watch: false });
          if (c.err !== 0) return failed(c.err);
          const names = c.body!.children.sort((a, b) => seqOf(a) - seqOf(b));
          if (!names.includes(mine.slice(PATHS.lock.length + 1))) return { outcome: 'fail', err: 'lock node gone' };
          if (`${PATHS.lock}/${names[0]}` === mine) return { outcome: 'ok', result: { path: mine } };
          await this.scheduler.sleep(this.rng.int(10, 40));
        }
        return { outcome: 'fail', err: 'gave up waiting' };
      });
      if (d.outcome === 'ok') {
        await this.scheduler.sleep(this.rng.int(20, 150));
        const held = mine!;
        await this.op(client, { op: 'lockRelease', path: PATHS.lock }, async () => deleted(await client.call('delete', { path: held, version: -1 })));
      }
      // Whatever happened, leave no node of ours behind (a lost connection may have kept one).
      await this.cleanUpChildren(client, prefix);
      await this.scheduler.sleep(this.rng.int(20, 100));
    }
  }

  /** A persistent recursive watch on /seq, set again on every (re)connection; records what it is told. */
  watcher(client: SimClient): void {
    client.onWatch = (type, path) => {
      if (type === EventType.NodeCreated) this.history.watches.push({ client: client.name, type, path, t: this.scheduler.nowMs * 1000 });
    };
  }

  /** The watcher's (re)registration: only once it is in place does the watcher count as connected. */
  async watch(client: SimClient): Promise<void> {
    try {
      const r = await client.call('addWatch', { path: PATHS.sequenceParent, mode: AddWatchMode.PERSISTENT_RECURSIVE });
      if (r.err !== 0) return;
      const t = this.scheduler.nowMs * 1000;
      this.history.watchRegistrations.push({ client: client.name, t });
      this.history.states.push({ client: client.name, state: 'connected', session: client.session, t, wall: this.scheduler.wallMs });
    } catch (e) {
      if (!(e instanceof ConnectionLoss)) throw e;
    }
  }

  private async cleanUp(client: SimClient, path: string): Promise<void> {
    try {
      await client.connected();
      const r = await client.call('exists', { path, watch: false });
      if (r.err === 0 && client.sessionId !== 0n && r.body!.stat.ephemeralOwner === client.sessionId) {
        await this.op(client, { op: 'disown', path }, async () => deleted(await client.call('delete', { path, version: -1 })));
      }
    } catch (e) {
      if (!(e instanceof ConnectionLoss)) throw e;
    }
  }

  private async cleanUpChildren(client: SimClient, prefix: string): Promise<void> {
    for (let tries = 0; tries < 5 && this.running; tries++) {
      try {
        await client.connected();
        const c = await client.call('getChildren', { path: PATHS.lock, watch: false });
        if (c.err !== 0) return;
        const left = c.body!.children.map((n) => `${PATHS.lock}/${n}`).filter((p) => p.startsWith(prefix));
        for (const p of left) await client.call('delete', { path: p, version: -1 });
        return;
      } catch (e) {
        if (!(e instanceof ConnectionLoss)) throw e;
      }
    }
  }
}

/** An error as the checks read it (they look for "code -103" for BadVersion). */
function errText(err: number): string {
  return `${errorName(err)} (code ${err})`;
}

function seqOf(name: string): number {
  return Number(name.slice(-10));
}

function failed(err: number): Done {
  return { outcome: err === ErrorCode.CONNECTIONLOSS || err === ErrorCode.SESSIONEXPIRED ? 'info' : 'fail', err: errText(err) };
}

function readData(r: Reply<{ data: Buffer | null; stat: { version: number; mzxid: bigint } }>): Done {
  if (r.err !== 0) return failed(r.err);
  return { outcome: 'ok', result: { value: r.body!.data?.toString() ?? '', version: r.body!.stat.version } };
}

function written(r: Reply<{ stat: { version: number } }>): Done {
  return r.err === 0 ? { outcome: 'ok', result: { version: r.body!.stat.version } } : failed(r.err);
}

function created(r: Reply<{ path: string }>): Done {
  return r.err === 0 ? { outcome: 'ok', result: { path: r.body!.path } } : failed(r.err);
}

function deleted(r: Reply<undefined>): Done {
  return r.err === 0 ? { outcome: 'ok' } : failed(r.err);
}
