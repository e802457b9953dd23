import type { Clock } from '../clock.js';
import type { PendingRequest } from '../net/connection.js';
import type { Txn, TxnHeader } from '../tree/txn.js';
import type { Prep, WriteRequest } from './prep.js';

/**
 * The write entry that a standalone server and a leader share: prep turns the request into a
 * txn (taking the next zxid), `propose` hands it on (to the log, or to the quorum), and the
 * client's request waits here, by zxid, until its txn is applied.
 */
export class PrepareAndPropose {
  private readonly waiters = new Map<bigint, PendingRequest>();

  constructor(
    readonly prep: Prep,
    private readonly clock: Clock,
    private readonly propose: (hdr: TxnHeader, txn: Txn) => void,
  ) {}

  submit(req: WriteRequest, waiter: PendingRequest | undefined): void {
    const { hdr, txn } = this.prep.prepare(req, this.clock.wallMs());
    if (waiter) this.waiters.set(hdr.zxid, waiter);
    this.propose(hdr, txn);
  }

  takeWaiter(hdr: TxnHeader): PendingRequest | undefined {
    const waiter = this.waiters.get(hdr.zxid);
    if (waiter) this.waiters.delete(hdr.zxid);
    return waiter;
  }
}
