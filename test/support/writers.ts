// Clients writing while an ensemble changes under them (members restarted, reconfigured, moved
// to TLS or SASL), and the check at the end: every create the ensemble acknowledged is there.
// Used on local processes and on containers (test/docker).
import { createClient, type ZooKeeperClient } from '@zab/client';
import { KeeperError, NodeExistsError, SessionExpiredError } from '@zab/jute';
import { expect } from 'vitest';
import { waitFor } from './wait.js';

/**
 * Writers creating `<root>/<name>-<n>` one after another, a loop for each name, all through the
 * session `zk` (the caller's: it closes it). A create that fails with a KeeperError (the client
 * moving to another member, a member not serving for a moment) is tried again on the same path
 * once the client is connected: NodeExists then means the first attempt committed and its
 * reply was lost, so it counts as acknowledged. An expired session or any other error ends the
 * writer, and stop() throws it.
 */
export class Writers {
  /** Every acknowledged create, in the order the acknowledgements came. */
  readonly acked: string[] = [];
  private readonly ackTimesMs: number[] = [];
  private writing = true;
  private readonly loops: Promise<void>[];

  private constructor(
    private readonly zk: ZooKeeperClient,
    readonly root: string,
    names: readonly string[],
  ) {
    this.loops = names.map((name) => this.write(name));
  }

  /** Creates `root` unless it exists, then starts a writer for each of `names`. */
  static async start(zk: ZooKeeperClient, root: string, names: readonly string[]): Promise<Writers> {
    await zk.create(root).catch((e: unknown) => {
      if (!(e instanceof NodeExistsError)) throw e;
    });
    return new Writers(zk, root, names);
  }

  private async write(name: string): Promise<void> {
    for (let n = 0; this.writing; n++) {
      const path = `${this.root}/${name}-${n}`;
      for (;;) {
        try {
          await this.zk.create(path, String(n));
          this.ack(path);
          break;
        } catch (e) {
          if (e instanceof NodeExistsError) {
            this.ack(path);
            break;
          }
          if (!(e instanceof KeeperError) || e instanceof SessionExpiredError) throw e;
          if (!this.writing) break;
          await this.zk.connected();
        }
      }
    }
  }

  private ack(path: string): void {
    this.acked.push(path);
    this.ackTimesMs.push(performance.now());
  }

  /** Waits until `count` more creates have been acknowledged (the ensemble takes writes `what`). */
  async madeProgress(what: string, count = 20, deadlineMs = 60_000): Promise<void> {
    const n = this.acked.length;
    await waitFor(`writes go on ${what}`, () => this.acked.length > n + count, { deadlineMs });
  }

  /** Stops the writers (throwing what ended one early); the acknowledged creates and the longest time between two. */
  async stop(): Promise<{ writes: number; longestGapMs: number }> {
    this.writing = false;
    await Promise.all(this.loops);
    let gap = 0;
    for (let i = 1; i < this.ackTimesMs.length; i++) gap = Math.max(gap, this.ackTimesMs[i]! - this.ackTimesMs[i - 1]!);
    return { writes: this.acked.length, longestGapMs: Math.round(gap) };
  }
}

/** Checks, after a sync through each of `connectStrings` in turn, that every path in `acked` is a child of `root` there. */
export async function expectAcked(connectStrings: readonly string[], root: string, acked: readonly string[]): Promise<void> {
  for (const hosts of connectStrings) {
    const zk = createClient(hosts, { sessionTimeoutMs: 10_000 });
    try {
      await zk.connected();
      await zk.sync(root);
      const present = new Set((await zk.getChildren(root)).children.map((c) => `${root}/${c}`));
      expect(acked.filter((p) => !present.has(p)), `acknowledged writes missing at ${hosts}`).toEqual([]);
    } finally {
      await zk.close();
    }
  }
}
