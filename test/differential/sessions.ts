// One server's side of a differential run: its session slots, the op executor, and the
// normaliser that turns replies into values comparable across servers (zxids renumbered in
// order of first appearance, session ids replaced by the order the sessions were opened in,
// ctime/mtime dropped).
import type { Stat } from '@zab/jute';
import { RawClient, type RawNotification, type RawReply, waitForClose } from '../support/raw-client.js';
import { toMultiOp, type Op, SESSION_COUNT } from './workload.js';

/** What one op did on one server. */
export interface Outcome {
  reply: RawReply;
  /** closeSession / reconnect: whether the server closed the old socket, and the new connection's handshake. */
  reopened?: { oldSocketClosed: boolean; timeoutMs: number; passwdBytes: number; readOnly: boolean | undefined; ordinal: number };
}

const buf = (d: string | null): Buffer | null => (d === null ? null : Buffer.from(d, 'utf8'));

/** The sessions a workload drives on one server, by slot. */
export class SessionSet {
  readonly clients: RawClient[] = [];
  /** Session id -> the order in which this run opened it (0, 1, ...). */
  readonly ordinalById = new Map<bigint, number>();
  /** The reply zxid each op left behind (the last real one when an op has none), for setWatches. */
  readonly zxidAfterOp: bigint[] = [];
  private nextOrdinal = 0;
  private lastZxid = 0n;

  constructor(readonly port: number, readonly label: string) {}

  async open(): Promise<void> {
    for (let i = 0; i < SESSION_COUNT; i++) this.clients.push(await this.connect());
  }

  /** Opens a session and gives it the next ordinal. */
  async connect(): Promise<RawClient> {
    const c = await RawClient.connect({ port: this.port, autoPing: false, sessionTimeoutMs: 30_000, requestTimeoutMs: 20_000 });
    this.ordinalById.set(c.sessionId, this.nextOrdinal++);
    return c;
  }

  /** Runs one op on its session and waits for the reply. */
  async run(op: Op): Promise<Outcome> {
    const c = this.clients[op.s]!;
    if (op.kind === 'reconnect') return this.reconnect(op.s);
    const reply = await this.dispatch(c, op);
    let reopened: Outcome['reopened'];
    if (op.kind === 'closeSession') {
      const closed = await waitForClose(c.socket, 5_000);
      c.destroy();
      const fresh = await this.connect();
      this.clients[op.s] = fresh;
      reopened = {
        oldSocketClosed: closed === 'closed',
        timeoutMs: fresh.negotiatedTimeoutMs,
        passwdBytes: fresh.passwd.length,
        readOnly: fresh.readOnly,
        ordinal: this.ordinalById.get(fresh.sessionId)!,
      };
    }
    if (reply.zxid > 0n) this.lastZxid = reply.zxid;
    this.zxidAfterOp.push(this.lastZxid);
    return reopened ? { reply, reopened } : { reply };
  }

  /**
   * Drops slot s's connection and reattaches to its session with its password and lastZxidSeen,
   * as a client does after a connection loss. The op's reply is a ping on the new connection.
   */
  private async reconnect(s: number): Promise<Outcome> {
    const old = this.clients[s]!;
    old.destroy();
    await old.closed;
    const fresh = await RawClient.connect({
      port: this.port,
      autoPing: false,
      sessionTimeoutMs: 30_000,
      requestTimeoutMs: 20_000,
      sessionId: old.sessionId,
      passwd: old.passwd,
      lastZxidSeen: old.lastZxid,
    });
    this.clients[s] = fresh;
    const ordinal = this.ordinalById.get(fresh.sessionId) ?? -1;
    const reply = await fresh.ping();
    if (reply.zxid > 0n) this.lastZxid = reply.zxid;
    this.zxidAfterOp.push(this.lastZxid);
    return {
      reply,
      reopened: { oldSocketClosed: true, timeoutMs: fresh.negotiatedTimeoutMs, passwdBytes: fresh.passwd.length, readOnly: fresh.readOnly, ordinal },
    };
  }

  private dispatch(c: RawClient, op: Op): Promise<RawReply> {
    switch (op.kind) {
      case 'create':
        switch (op.opcode) {
          case 'create':
            return c.create(op.path, buf(op.data), op.acl, op.flags);
          case 'create2':
            return c.create2(op.path, buf(op.data), op.acl, op.flags);
          case 'createContainer':
            return c.createContainer(op.path, buf(op.data), op.acl);
          case 'createTTL':
            return c.createTTL(op.path, buf(op.data), op.acl, op.flags, BigInt(op.ttl ?? 0));
        }
        break;
      case 'delete':
        return c.delete(op.path, op.version);
      case 'setData':
        return c.setData(op.path, buf(op.data), op.version);
      // The kinds Op groups by argument list are the RawClient methods of the same names.
      case 'exists':
      case 'getData':
      case 'getChildren':
      case 'getChildren2':
        return c[op.kind](op.path, op.watch);
      case 'getACL':
      case 'sync':
      case 'getAllChildrenNumber':
      case 'getEphemerals':
        return c[op.kind](op.path);
      case 'setACL':
        return c.setACL(op.path, op.acl, op.version);
      case 'multi':
      case 'multiRead':
        return c[op.kind](op.ops.map(toMultiOp));
      case 'addWatch':
        return c.addWatch(op.path, op.mode);
      case 'removeWatches':
      case 'checkWatches':
        return c[op.kind](op.path, op.type);
      case 'auth':
        return c.auth('digest', Buffer.from(op.identity, 'utf8'));
      case 'whoAmI':
        return c.whoAmI();
      case 'setWatches2':
        return c.setWatches2({
          relativeZxid: this.zxidAfterOp[op.relativeToOp] ?? 0n,
          dataWatches: op.data,
          existWatches: op.exist,
          childWatches: op.child,
          persistentWatches: op.persistent,
          persistentRecursiveWatches: op.recursive,
        });
      case 'setWatches':
        return c.setWatches(this.zxidAfterOp[op.relativeToOp] ?? 0n, op.data, op.exist, op.child);
      case 'closeSession':
        return c.closeSession();
      case 'reconnect':
        break;
    }
    throw new Error(`unknown op ${JSON.stringify(op)}`);
  }

  /**
   * A ping round trip on every session. A server sends a watch event to a session before it
   * answers that session's later requests, so once every ping is answered, every notification
   * the last op triggered has arrived.
   */
  async settle(): Promise<void> {
    await Promise.all(this.clients.map((c) => (c.isOpen ? c.ping() : Promise.resolve())));
  }

  /** A point to collect notifications from (see notificationsSince). */
  mark(): { client: RawClient; count: number }[] {
    return this.clients.map((client) => ({ client, count: client.notifications.length }));
  }

  /**
   * Per slot, the notifications that arrived since `mark`: on the session that held the slot then,
   * followed by those of its replacement if the op closed it.
   */
  notificationsSince(mark: { client: RawClient; count: number }[]): RawNotification[][] {
    return this.clients.map((c, i) => {
      const m = mark[i]!;
      const old = m.client.notifications.slice(m.count);
      return m.client === c ? old : [...old, ...c.notifications];
    });
  }

  /** Protocol errors seen by any session (replies out of order, bad frames). */
  protocolErrors(): string[] {
    return this.clients.flatMap((c, i) => c.protocolErrors.map((e) => `slot ${i}: ${e}`));
  }

  async closeAll(): Promise<void> {
    await Promise.all(this.clients.map((c) => (c.isOpen ? c.close(2_000) : Promise.resolve())));
  }
}

/** How children lists are compared: as returned (ZooKeeper's hash order) or as sets. */
export type ChildOrder = 'returned' | 'sorted';

/**
 * Turns one server's replies into comparable values. zxids become small integers in order of
 * first appearance (0 and -1 stay as they are): two servers that assign zxids the same way, from
 * any starting point, normalise identically, while a server that burns a zxid where the other
 * does not (e.g. for a failed write) diverges at the first reply that shows it.
 */
export class Normalizer {
  private readonly zxids = new Map<bigint, number>();

  constructor(private readonly sessions: SessionSet, private readonly childOrder: ChildOrder) {}

  zxid(z: bigint): number | string {
    if (z === 0n || z === -1n) return Number(z);
    if (z < 0n) return `negative ${z}`;
    let n = this.zxids.get(z);
    if (n === undefined) {
      n = this.zxids.size + 1;
      this.zxids.set(z, n);
    }
    return `z${n}`;
  }

  owner(id: bigint): number | string {
    if (id === 0n) return 0;
    const ord = this.sessions.ordinalById.get(id);
    return ord === undefined ? `unknown session 0x${id.toString(16)}` : `session#${ord}`;
  }

  stat(s: Stat): Record<string, unknown> {
    return {
      czxid: this.zxid(s.czxid),
      mzxid: this.zxid(s.mzxid),
      version: s.version,
      cversion: s.cversion,
      aversion: s.aversion,
      ephemeralOwner: this.owner(s.ephemeralOwner),
      dataLength: s.dataLength,
      numChildren: s.numChildren,
      pzxid: this.zxid(s.pzxid),
    };
  }

  /** A decoded body in comparable form (Buffers as text, Stats normalised, bigints as strings). */
  value(v: unknown, key = ''): unknown {
    if (v === null || v === undefined) return v;
    if (Buffer.isBuffer(v)) return bufferText(v);
    if (typeof v === 'bigint') return `${v}n`;
    if (Array.isArray(v)) {
      const out = v.map((e) => this.value(e));
      return this.childOrder === 'sorted' && (key === 'children' || key === 'ephemerals') ? [...(out as string[])].sort() : out;
    }
    if (typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if ('czxid' in o && 'pzxid' in o) return this.stat(o as unknown as Stat);
      const out: Record<string, unknown> = {};
      for (const [k, e] of Object.entries(o)) out[k] = this.value(e, k);
      return out;
    }
    return v;
  }

  reply(r: RawReply): Record<string, unknown> {
    const out: Record<string, unknown> = { err: r.err, zxid: this.zxid(r.zxid) };
    if (r.lost) out['lost'] = r.lost;
    if (r.err === 0 && r.body !== undefined) out['body'] = this.value(r.body);
    // Anything a server sends after an error header is part of its behaviour too.
    if (r.err !== 0 && r.rawBody.length > 0) out['bodyAfterError'] = r.rawBody.toString('hex');
    if (r.decodeError) out['decodeError'] = r.decodeError;
    return out;
  }

  notification(n: RawNotification): Record<string, unknown> {
    return { type: n.type, state: n.state, path: n.path, zxid: this.zxid(n.zxid), afterReplies: n.afterReplies };
  }
}

function bufferText(b: Buffer): string {
  const s = b.toString('utf8');
  return Buffer.from(s, 'utf8').equals(b) ? `'${s}'` : `hex:${b.toString('hex')}`;
}
