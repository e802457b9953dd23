import type { OpRecord } from './history.js';
import type { SeededRandom } from './random.js';
import type { WorkerProcess } from './worker-process.js';

/** The znodes the workload uses, all under one root. */
export const PATHS = {
  root: '/chaos',
  registers: ['/chaos/r/0', '/chaos/r/1', '/chaos/r/2'],
  sequenceParent: '/chaos/seq',
  lock: '/chaos/lock',
  owner: '/chaos/owner',
} as const;

/** Between two ops a client waits this long (ms, seeded), so a run's history stays checkable. */
const THINK_MS: [number, number] = [5, 40];

/**
 * The clients' loops. Each worker runs one op at a time; what it does next is drawn from its
 * own seeded stream. Every op is recorded by the worker process as it completes.
 *  - registers: get; set with a unique value; compare-and-set against the version this client
 *    last saw; sync then get (kazoo only: node-zookeeper-client has no sync);
 *  - sequence: persistent sequential creates under one parent, one client per member;
 *  - lock: @zab/client's Mutex, held for a moment and released;
 *  - owner: create an ephemeral node, hold it, delete it while it is still ours.
 */
export class Workload {
  private stopping = false;
  private readonly loops: Promise<void>[] = [];

  /** Starts a loop for each worker; `role` picks the loop. */
  start(workers: readonly { worker: WorkerProcess; role: 'register' | 'sequence' | 'lock' | 'owner'; syncs: boolean }[], rnd: SeededRandom): void {
    for (const { worker, role, syncs } of workers) {
      const r = rnd.fork(worker.name);
      const loop = role === 'register' ? this.registers(worker, r, syncs) : role === 'sequence' ? this.sequence(worker, r) : role === 'lock' ? this.lock(worker, r) : this.owner(worker, r);
      this.loops.push(loop.catch((e) => console.error(`workload ${worker.name} stopped: ${(e as Error).stack}`)));
    }
  }

  /** Lets every loop finish its current op, then resolves. */
  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(this.loops);
  }

  private async think(r: SeededRandom, range = THINK_MS): Promise<void> {
    await new Promise((res) => setTimeout(res, r.between(range[0], range[1])));
  }

  private async registers(w: WorkerProcess, r: SeededRandom, syncs: boolean): Promise<void> {
    const lastVersion = new Map<string, number>();
    let n = 0;
    const note = (rec: OpRecord) => {
      if (rec.outcome === 'ok' && rec.path && rec.result.version !== undefined) lastVersion.set(rec.path, rec.result.version);
    };
    while (!this.stopping && w.alive) {
      const path = r.oneOf(PATHS.registers);
      const x = r.float();
      const value = `${w.name}#${n++}`;
      let rec: OpRecord;
      if (x < 0.25) rec = await w.call({ op: 'get', path });
      else if (x < 0.55) rec = await w.call({ op: 'set', path, value, version: -1 });
      else if (x < 0.8 || !syncs) rec = await w.call({ op: 'set', path, value, version: lastVersion.get(path) ?? 0 });
      else rec = await w.call({ op: 'syncGet', path });
      note(rec);
      await this.think(r);
    }
  }

  private async sequence(w: WorkerProcess, r: SeededRandom): Promise<void> {
    let n = 0;
    while (!this.stopping && w.alive) {
      await w.call({ op: 'create', path: `${PATHS.sequenceParent}/s-`, value: `${w.name}#${n++}`, mode: 'persistent_sequential' });
      await this.think(r, [10, 50]);
    }
  }

  private async lock(w: WorkerProcess, r: SeededRandom): Promise<void> {
    while (!this.stopping && w.alive) {
      const got = await w.call({ op: 'lockAcquire', path: PATHS.lock, timeoutMs: 3_000 });
      if (got.outcome === 'ok') {
        await this.think(r, [10, 150]);
        await w.call({ op: 'lockRelease', path: PATHS.lock });
      }
      await this.think(r, [10, 80]);
    }
  }

  private async owner(w: WorkerProcess, r: SeededRandom): Promise<void> {
    let n = 0;
    while (!this.stopping && w.alive) {
      const got = await w.call({ op: 'own', path: PATHS.owner, value: `${w.name}#${n++}` });
      if (got.outcome === 'ok') {
        await this.think(r, [20, 300]);
        await w.call({ op: 'disown', path: PATHS.owner });
      }
      await this.think(r, [20, 120]);
    }
  }
}
