import { randomUUID } from 'node:crypto';
import { ConnectionLossError, NoNodeError, NodeExistsError } from '@zab/jute';
import type { ZooKeeperClient } from '../client.js';
import { retryOnConnectionLoss } from './retry.js';

export class LockTimeoutError extends Error {
  override readonly name = 'LockTimeoutError';
}

/**
 * The queue of contenders under one znode that mutexes, semaphores and elections share:
 * each contender is an ephemeral sequential child named `<guid>-<prefix>-<seq>`. The guid lets
 * a contender find its own node again when a create's reply was lost with the connection
 * (the create may have happened), so no orphan holds a place in the queue.
 */
export class ContenderQueue {
  readonly guid = randomUUID();

  constructor(readonly zk: ZooKeeperClient, readonly dir: string, readonly prefix: string) {}

  /** Creates this contender's node (and the parent chain); returns its name. */
  async enter(data: Buffer | string | null = null): Promise<string> {
    await ensurePath(this.zk, this.dir);
    for (;;) {
      try {
        const path = await this.zk.create(`${this.dir}/${this.guid}-${this.prefix}-`, data, { mode: 'ephemeral-sequential' });
        return path.slice(this.dir.length + 1);
      } catch (e) {
        if (e instanceof NoNodeError) {
          await ensurePath(this.zk, this.dir);
          continue;
        }
        if (!(e instanceof ConnectionLossError)) throw e;
        const mine = await this.findMine();
        if (mine) return mine;
      }
    }
  }

  /** This contender's node, if it exists. */
  async findMine(): Promise<string | null> {
    const { children } = await retryOnConnectionLoss(this.zk, () => this.zk.getChildren(this.dir));
    return children.find((c) => c.startsWith(`${this.guid}-`)) ?? null;
  }

  /** Contenders in queue order (by sequence number); `prefixes` widens it to other kinds sharing the node. */
  async contenders(prefixes: readonly string[] = [this.prefix]): Promise<string[]> {
    const { children } = await this.zk.getChildren(this.dir);
    return children.filter((c) => prefixes.some((p) => c.includes(`-${p}-`))).sort((a, b) => seqOf(a) - seqOf(b));
  }

  /**
   * Joins the queue and waits until `blocker` names nobody ahead of this contender, watching
   * whoever it names; gives up (leaving the queue) with LockTimeoutError at `timeoutMs`.
   * Resolves with this contender's node name.
   */
  async joinAndWait(
    timeoutMs: number,
    blocker: (ahead: string[]) => string | undefined,
    what: string,
    prefixes?: readonly string[],
  ): Promise<string> {
    const deadline = timeoutMs === Infinity ? Number.MAX_SAFE_INTEGER : Date.now() + timeoutMs;
    const mine = await this.enter();
    try {
      for (;;) {
        try {
          const all = await this.contenders(prefixes);
          const i = all.indexOf(mine);
          if (i < 0) throw new Error(`${what}: our node ${mine} is gone (session expired?)`);
          const b = blocker(all.slice(0, i));
          if (b === undefined) return mine;
          if (!(await this.waitGone(b, deadline))) throw new LockTimeoutError(`${what} not acquired within ${timeoutMs} ms`);
        } catch (e) {
          // A lost connection is not a lost session: our node is still queued. Look again
          // once reconnected (a session that expired instead ends the wait with its error).
          if (!(e instanceof ConnectionLossError)) throw e;
          await this.zk.connected();
        }
      }
    } catch (e) {
      await this.leave(mine).catch(() => undefined);
      throw e;
    }
  }

  /** Calls `onLost` when the session expires: every node of this queue's contender is gone then. */
  onSessionLost(onLost: () => void): void {
    this.zk.on('expired', onLost);
  }

  /**
   * Deletes this contender's node, retrying through lost connections: a node left behind
   * would block everyone queued after it for as long as the session lives.
   */
  async leave(name: string): Promise<void> {
    await retryOnConnectionLoss(this.zk, () =>
      this.zk.delete(`${this.dir}/${name}`).catch((e) => {
        if (!(e instanceof NoNodeError)) throw e;
      }),
    );
  }

  /** Resolves when `name` is deleted (immediately if it is already gone), or rejects on timeout. */
  waitGone(name: string, deadline: number): Promise<boolean> {
    return new Promise((resolve, reject) => {
      const left = deadline - Date.now();
      if (left <= 0) return resolve(false);
      // setTimeout takes at most 2^31-1 ms (longer fires at once): a longer wait has no timer.
      const timer = left < 0x7fffffff ? setTimeout(() => resolve(false), left) : undefined;
      this.zk
        .exists(`${this.dir}/${name}`, { watch: () => (clearTimeout(timer), resolve(true)) })
        .then((stat) => {
          if (stat === null) {
            clearTimeout(timer);
            resolve(true);
          }
        })
        .catch((e) => (clearTimeout(timer), reject(e)));
    });
  }
}

export function seqOf(name: string): number {
  return Number(name.slice(name.lastIndexOf('-') + 1));
}

/** Creates `path` and its missing parents (persistent, empty). */
export async function ensurePath(zk: ZooKeeperClient, path: string): Promise<void> {
  let at = '';
  for (const part of path.split('/').filter(Boolean)) {
    at += `/${part}`;
    try {
      await zk.create(at);
    } catch (e) {
      if (!(e instanceof NodeExistsError)) throw e;
    }
  }
}
