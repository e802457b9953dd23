// The well-behaved clients that work while the fuzz runs: one @zab/client session pinned to each
// member, creating, reading back and overwriting znodes in its own subtree, whose ACL lets the
// fuzz read but not change it. Every acknowledged write is remembered for the end checks, and
// every operation's latency for the p99 of each fuzz phase.
import { createClient, type ZooKeeperClient } from '@zab/client';
import { digestId } from '../support/launch.js';

/** The good clients' digest user: the fuzz never authenticates as it. */
const USER = 'good';
const PASSWORD = 'good-clients-only';
export const GOOD_ACL = [
  { perms: 31, id: { scheme: 'digest', id: digestId(USER, PASSWORD) } },
  { perms: 1, id: { scheme: 'world', id: 'anyone' } },
];

export interface GoodFailure {
  member: number;
  op: string;
  error: string;
  atMs: number;
}

/** Latency samples of one phase, in milliseconds. */
export class Latencies {
  private samples: number[] = [];
  add(ms: number): void {
    this.samples.push(ms);
  }
  get count(): number {
    return this.samples.length;
  }
  quantile(q: number): number {
    if (!this.samples.length) return NaN;
    const sorted = Float64Array.from(this.samples).sort();
    return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  }
}

async function connect(hosts: string): Promise<ZooKeeperClient> {
  const c = createClient(hosts, { sessionTimeoutMs: 10_000, requestTimeoutMs: 10_000, shuffleHosts: false });
  await c.connected();
  await c.addAuth('digest', `${USER}:${PASSWORD}`);
  return c;
}

/**
 * A client per member, each writing under /good/m<id>. `phase` names the bucket latencies go
 * to (the fuzz phase running), or null between phases.
 */
export class GoodClients {
  /** Path -> the data of its last acknowledged write. */
  readonly acked = new Map<string, string>();
  /** Paths whose last write's outcome is unknown (it failed without an answer): either value may be there. */
  readonly uncertain = new Map<string, string[]>();
  /** The first failures, and how many there were. */
  readonly failures: GoodFailure[] = [];
  failureCount = 0;
  readonly phases = new Map<string, Latencies>();
  phase: string | null = null;
  /** Called at the first failed operation (the fuzz run notes which connections were in flight). */
  onFirstFailure: (() => void) | null = null;
  ops = 0;
  private clients: ZooKeeperClient[] = [];
  private loops: Promise<void>[] = [];
  private stopping = false;
  private readonly startedMs = performance.now();

  constructor(private readonly members: { id: number; clientPort: number }[]) {}

  async start(): Promise<void> {
    const admin = await connect(this.members.map((m) => `127.0.0.1:${m.clientPort}`).join(','));
    await admin.create('/good', null, { acl: GOOD_ACL }).catch(ignoreExists);
    for (const m of this.members) await admin.create(`/good/m${m.id}`, null, { acl: GOOD_ACL }).catch(ignoreExists);
    await admin.close();
    this.clients = await Promise.all(this.members.map((m) => connect(`127.0.0.1:${m.clientPort}`)));
    this.loops = this.members.map((m, i) => this.loop(m.id, this.clients[i]!));
  }

  private async timed<T>(member: number, op: string, f: () => Promise<T>): Promise<T | undefined> {
    const t = performance.now();
    try {
      const v = await f();
      const phase = this.phase;
      if (phase) {
        let l = this.phases.get(phase);
        if (!l) this.phases.set(phase, (l = new Latencies()));
        l.add(performance.now() - t);
      }
      this.ops++;
      return v;
    } catch (e) {
      if (this.failureCount++ === 0) this.onFirstFailure?.();
      if (this.failures.length < 20) this.failures.push({ member, op, error: (e as Error).message, atMs: Math.round(performance.now() - this.startedMs) });
      // Back off as a real client would, rather than spin against a member that is not answering.
      await new Promise((r) => setTimeout(r, 100));
      return undefined;
    }
  }

  private async loop(member: number, c: ZooKeeperClient): Promise<void> {
    for (let i = 0; !this.stopping; i++) {
      const path = `/good/m${member}/n${i}`;
      const value = `m${member}-${i}`;
      const created = await this.timed(member, `create ${path}`, () => c.create(path, value, { acl: GOOD_ACL }));
      if (created === undefined) {
        this.uncertain.set(path, [value]);
        continue;
      }
      this.acked.set(path, value);
      const got = await this.timed(member, `getData ${path}`, () => c.getData(path));
      if (got && got.data?.toString() !== value) {
        if (this.failureCount++ === 0) this.onFirstFailure?.();
        this.failures.push({ member, op: `getData ${path}`, error: `read ${got.data?.toString()}, wrote ${value}`, atMs: 0 });
      }
      if (i % 4 === 3) {
        // Overwrite an earlier node of this member's, and read a neighbour's.
        const older = `/good/m${member}/n${i - 3}`;
        const next = `${value}-over`;
        const set = await this.timed(member, `setData ${older}`, () => c.setData(older, next));
        if (set === undefined) this.uncertain.set(older, [this.acked.get(older)!, next]);
        else this.acked.set(older, next);
        await this.timed(member, 'getChildren', () => c.getChildren(`/good/m${member}`));
      }
    }
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(this.loops);
    await Promise.all(this.clients.map((c) => c.close().catch(() => undefined)));
  }
}

function ignoreExists(e: Error): void {
  if (!/NodeExists/i.test(e.name + e.message)) throw e;
}
