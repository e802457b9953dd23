// A writer that runs while an ensemble is reconfigured, and the check that every write it had
// acknowledged is there at the end: used on local processes (scenarios.test.ts) and on
// containers (test/docker).
import { createClient, type ZooKeeperClient } from '@zab/client';
import { expect } from 'vitest';
import { type WaitOptions, waitFor, within } from '../support/wait.js';

/** Creates /w/<name>-<n> one after another until stopped; keeps what was acknowledged, and when. */
export class Writer {
  readonly acked: string[] = [];
  private readonly ackTimesMs: number[] = [];
  private stopped = false;
  private readonly done: Promise<void>;

  constructor(private readonly zk: ZooKeeperClient, name: string) {
    this.done = (async () => {
      await zk.create('/w').catch(() => undefined);
      for (let n = 0; !this.stopped; n++) {
        const path = `/w/${name}-${n}`;
        try {
          await zk.create(path, 'x');
          this.acked.push(path);
          this.ackTimesMs.push(performance.now());
        } catch {
          // Not acknowledged (connection lost, no quorum for a moment): it may or may not exist; go on.
          await zk.connected().catch(() => undefined);
        }
      }
    })();
  }

  /** Waits until `count` more writes have been acknowledged (the ensemble takes writes `what`). */
  async madeProgress(what: string, count = 20, deadlineMs = 60_000): Promise<void> {
    const n = this.acked.length;
    await waitFor(`writes go on ${what}`, () => this.acked.length > n + count, { deadlineMs });
  }

  async stop(): Promise<{ writes: number; longestGapMs: number }> {
    this.stopped = true;
    await this.done;
    let gap = 0;
    for (let i = 1; i < this.ackTimesMs.length; i++) gap = Math.max(gap, this.ackTimesMs[i]! - this.ackTimesMs[i - 1]!);
    return { writes: this.acked.length, longestGapMs: Math.round(gap) };
  }
}

/** Every path in `acked` is a child of /w, read after a sync through `connectString`. */
export async function checkAcked(connectString: string, acked: string[]): Promise<void> {
  const zk = createClient(connectString, { sessionTimeoutMs: 10_000 });
  try {
    await zk.connected();
    await zk.sync('/w');
    const present = new Set((await zk.getChildren('/w')).children.map((c) => `/w/${c}`));
    expect(acked.filter((p) => !present.has(p))).toEqual([]);
  } finally {
    await zk.close();
  }
}

/** The configuration the member(s) at `connectString` serve (`/zookeeper/config`); rejects if none serves within `timeoutMs`. */
export async function configAt(connectString: string, timeoutMs = 10_000): Promise<string> {
  const zk = createClient(connectString, { sessionTimeoutMs: 10_000 });
  try {
    const config = zk.connected().then(async () => (await zk.getConfig()).data?.toString('utf8') ?? '');
    return await within(timeoutMs, config, `no member of ${connectString} serves`);
  } finally {
    await zk.close();
  }
}

/** The ids of a configuration's voting members. */
export const voters = (config: string): number[] => config.split('\n').filter((l) => /^server\.\d+=.*:participant/.test(l)).map((l) => Number(/^server\.(\d+)/.exec(l)![1]));

/** A member asked for its configuration: its name in messages and its client address. */
export interface ConfigSource {
  readonly name: string;
  readonly connectString: string;
}

/** Waits until each of `members` in turn serves a configuration whose voters are `ids`; resolves with the last one's. */
export async function waitForVoters(members: readonly ConfigSource[], ids: readonly number[], opts: WaitOptions): Promise<string> {
  let config = '';
  for (const m of members) {
    config = await waitFor(`${m.name} to serve voters ${ids.join(',')}`, async () => {
      const c = await configAt(m.connectString);
      return voters(c).join(',') === ids.join(',') ? c : undefined;
    }, opts);
  }
  return config;
}
