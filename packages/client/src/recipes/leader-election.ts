import { EventEmitter } from 'node:events';
import type { ZooKeeperClient } from '../client.js';
import { ContenderQueue } from './lock-queue.js';

/**
 * Leader election (as Curator's LeaderLatch): candidates queue as ephemeral sequential nodes;
 * the first is the leader; each other candidate watches only its predecessor. Emits
 * 'leader' when this candidate becomes leader and 'notLeader' when it stops being one:
 * close(), a lost connection (while cut off it cannot know whether its session, and so its
 * node, still lives; it leads again if it reconnects in time), or session expiry (its node
 * went with the session; the election is over for this object).
 */
export class LeaderElection extends EventEmitter {
  private readonly queue: ContenderQueue;
  private node: string | null = null;
  private closed = false;
  /** A check is running; `checkAgain` asks for one more after it (events come in bursts). */
  private checking = false;
  private checkAgain = false;
  isLeader = false;

  constructor(private readonly zk: ZooKeeperClient, readonly path: string, readonly id = '') {
    super();
    this.queue = new ContenderQueue(zk, path, 'latch');
    zk.on('expired', () => {
      this.node = null;
      this.setLeader(false);
    });
    zk.on('disconnected', () => this.setLeader(false));
    zk.on('connected', () => this.kick());
  }

  async start(): Promise<void> {
    this.node = await this.queue.enter(this.id);
    this.kick();
  }

  /** Looks at the queue once more; a failed look is retried when the session reconnects. */
  private kick(): void {
    if (this.closed || !this.node) return;
    if (this.checking) {
      this.checkAgain = true;
      return;
    }
    this.checking = true;
    this.check()
      .catch(() => undefined)
      .finally(() => {
        this.checking = false;
        if (this.checkAgain) {
          this.checkAgain = false;
          this.kick();
        }
      });
  }

  /** One look: lead if first, else watch the predecessor (its going calls kick()). */
  private async check(): Promise<void> {
    const all = await this.queue.contenders();
    const i = this.node ? all.indexOf(this.node) : -1;
    if (i === 0) return this.setLeader(this.zk.state === 'connected');
    this.setLeader(false);
    if (i < 0) return;
    const stat = await this.zk.exists(`${this.path}/${all[i - 1]!}`, { watch: () => this.kick() });
    if (stat === null) this.kick();
  }

  private setLeader(v: boolean): void {
    if (this.isLeader === v || (v && this.closed)) return;
    this.isLeader = v;
    this.emit(v ? 'leader' : 'notLeader');
  }

  /** The current leader's id (its node's data), or null when there is no candidate. */
  async leaderId(): Promise<string | null> {
    const all = await this.queue.contenders();
    if (!all.length) return null;
    const { data } = await this.zk.getData(`${this.path}/${all[0]}`);
    return data?.toString() ?? '';
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.node) await this.queue.leave(this.node).catch(() => undefined);
    this.node = null;
    this.setLeader(false);
  }
}
