// Clients writing throughout an ensemble test, and the final check: every acknowledged
// write is on every server and the servers' trees are identical.
import { expect } from 'vitest';
import { RawClient } from '../support/raw-client.js';
import { fourLetter } from '../support/launch.js';
import type { Ensemble, Member } from '../support/ensemble.js';
import { waitFor } from '../support/wait.js';

export class Workload {
  readonly acked = new Set<string>();
  lost = 0;
  private stopped = false;
  private loops: Promise<void>[] = [];

  constructor(private readonly ens: Ensemble, private readonly root = '/w') {}

  /** Starts `clients` writers; writer i starts on member i (mod size) and moves on when its server goes. */
  async start(clients = 3): Promise<void> {
    const c = await this.connect(0);
    const r = await c.create(this.root, null);
    if (r.err !== 0 && r.err !== -110) throw new Error(`create ${this.root}: err ${r.err}`);
    await c.close();
    for (let i = 0; i < clients; i++) this.loops.push(this.writer(i));
  }

  private async connect(start: number): Promise<RawClient> {
    const ms = this.ens.members;
    for (let attempt = 0; ; attempt++) {
      const m = ms[(start + attempt) % ms.length]!;
      if (m.running) {
        try {
          const c = await RawClient.connect({ port: m.clientPort, sessionTimeoutMs: 6_000, connectTimeoutMs: 2_000, requestTimeoutMs: 5_000 });
          if (c.sessionId !== 0n) return c;
          c.destroy();
        } catch {
          // that member does not serve now: try the next
        }
      }
      if (this.stopped && attempt > ms.length * 20) throw new Error('no member serves');
      if (attempt % ms.length === ms.length - 1) await new Promise((r) => setTimeout(r, 50)); // back off between rounds
    }
  }

  private async writer(i: number): Promise<void> {
    let n = 0;
    let c: RawClient | null = null;
    while (!this.stopped) {
      if (!c || !c.isOpen) {
        c?.destroy();
        c = await this.connect(i);
      }
      const path = `${this.root}/c${i}-${n++}`;
      const r = await c.create(path, Buffer.from(`v${n}`));
      if (r.lost) {
        this.lost++;
        c.destroy();
        c = null;
      } else if (r.err === 0) {
        this.acked.add(path);
      }
    }
    c?.destroy();
  }

  /** Waits until `more` further writes were acknowledged. */
  async progress(more = 50, deadlineMs = 30_000): Promise<void> {
    const target = this.acked.size + more;
    const explain = async () => {
      const state = await Promise.all(
        this.ens.members.map(async (m) => `--- member ${m.id} (${m.running ? await m.mode() : 'stopped'}) ---\n${await m.logTail(20)}`),
      );
      return `${this.acked.size} acknowledged\n${state.join('\n')}`;
    };
    await waitFor(`writes to resume (${target} acknowledged)`, () => this.acked.size >= target, { deadlineMs, pollMs: 20, explain });
  }

  /** Stops the writers; a writer that found no member to write to is done, not an error here. */
  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.allSettled(this.loops);
  }
}

/** Children of `root` on one member, after `sync` (so it has caught up with the leader). */
export async function childrenOn(m: Member, root = '/w'): Promise<string[]> {
  const c = await RawClient.connect({ port: m.clientPort, sessionTimeoutMs: 10_000, requestTimeoutMs: 20_000 });
  try {
    const s = await c.sync(root);
    if (s.err !== 0) throw new Error(`sync on member ${m.id}: err ${s.err}`);
    const r = await c.getChildren(root);
    if (r.err !== 0) throw new Error(`getChildren on member ${m.id}: err ${r.err}`);
    return r.body!.children.map((x) => `${root}/${x}`).sort();
  } finally {
    await c.close();
  }
}

/** Every running member holds every acknowledged write, and all hold the same znodes. */
export async function expectConsistent(ens: Ensemble, acked: Set<string>, root = '/w'): Promise<void> {
  const running = ens.members.filter((m) => m.running);
  const lists = await Promise.all(running.map((m) => childrenOn(m, root)));
  for (const [i, list] of lists.entries()) {
    const have = new Set(list);
    const missing = [...acked].filter((p) => !have.has(p));
    expect(missing, `member ${running[i]!.id} lacks acknowledged writes`).toEqual([]);
    expect(list, `member ${running[i]!.id} differs from member ${running[0]!.id}`).toEqual(lists[0]);
  }
  // The whole trees agree too: same znode count and last zxid once idle.
  const counts = await Promise.all(running.map(async (m) => /zk_znode_count\t(\d+)/.exec(await fourLetter(m.clientPort, 'mntr'))?.[1]));
  expect(new Set(counts).size, `znode counts ${counts.join(', ')}`).toBe(1);
}
