import type { ConnectRequest } from '@zab/jute';
import type { Connection, PendingRequest } from '../net/connection.js';
import { GroupCommitLog, isMarker, type GroupCommitOptions, type LogEntry } from '../persistence/group-commit-log.js';
import { revalidateHere } from '../session/handshake.js';
import type { TxnHeader } from '../tree/txn.js';
import type { ZkServer } from '../zk-server.js';
import { PrepareAndPropose } from './prepare-and-propose.js';
import type { Prep, WriteRequest } from './prep.js';
import type { WritePath } from './write-path.js';

/**
 * Standalone batching: a burst of requests read in one turn shares an fsync, and applying
 * batch N overlaps the write of N+1.
 */
export const STANDALONE_LOG: GroupCommitOptions = { maxBatchTxns: 1000, gather: 'turn', overlap: true };

/**
 * A standalone server's write path: prep, then the group-committed txn log; a txn commits
 * (is applied and answered) once the append holding it is durable. `sync` is a marker in the
 * log's order: it runs once everything before it has committed. Sessions are decided here.
 */
export class StandaloneWritePath implements WritePath {
  readonly kind = 'standalone';
  readonly serving = true;
  readonly ownsSessions = true;
  private readonly writes: PrepareAndPropose;

  constructor(
    private readonly server: ZkServer,
    private readonly log: GroupCommitLog,
  ) {
    this.writes = new PrepareAndPropose(server.newPrep(), server.clock, (hdr, txn) => log.add({ zxid: hdr.zxid, hdr, txn }));
  }

  /** The log of a standalone server: each durable batch is committed in order, syncs included. */
  static commitBatch(server: ZkServer, batch: LogEntry[]): void {
    for (const e of batch) {
      if (isMarker(e)) e.marker();
      else server.commit(e.hdr, e.txn);
    }
  }

  get prep(): Prep {
    return this.writes.prep;
  }

  submit(req: WriteRequest, waiter: PendingRequest | undefined): void {
    this.writes.submit(req, waiter);
  }

  sync(done: () => void): void {
    this.log.add({ marker: done });
  }

  revalidate(conn: Connection, req: ConnectRequest, timeoutMs: number, readOnly: boolean | undefined): void {
    revalidateHere(this.server, conn, req, timeoutMs, readOnly);
  }

  touched(): void {}

  takeWaiter(hdr: TxnHeader): PendingRequest | undefined {
    return this.writes.takeWaiter(hdr);
  }
}
