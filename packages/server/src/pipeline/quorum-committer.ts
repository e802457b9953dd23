import type { CommitHandler, TxnCommitter } from './committer.js';
import type { Txn, TxnHeader } from '../tree/txn.js';

/** What the QuorumCommitter needs of the ensemble node that owns it. */
export interface QuorumCommitSink {
  /** Leader: hands a prepared txn to the quorum. */
  propose(hdr: TxnHeader, txn: Txn): void;
  /** Runs `done` once everything committed before now is applied here, as confirmed by a quorum. */
  barrier(done: () => void): void;
  /** Resolves when no log write is in flight. */
  idle(): Promise<void>;
}

/**
 * The server's committer in an ensemble: proposals go to the quorum; commits come back from
 * it (through `commit`) in zxid order on every server, with the context the leader's own
 * clients' requests were proposed with. Learners never propose: their writes are forwarded.
 */
export class QuorumCommitter implements TxnCommitter {
  private readonly contexts = new Map<bigint, unknown>();

  constructor(private readonly sink: QuorumCommitSink, private readonly onCommit: CommitHandler) {}

  propose(hdr: TxnHeader, txn: Txn, ctx: unknown): void {
    if (ctx !== undefined) this.contexts.set(hdr.zxid, ctx);
    this.sink.propose(hdr, txn);
  }

  barrier(done: () => void): void {
    this.sink.barrier(done);
  }

  /** A committed txn from the quorum: apply it, answering whoever waits for it here. */
  commit(hdr: TxnHeader, txn: Txn): void {
    const ctx = this.contexts.get(hdr.zxid);
    if (ctx !== undefined) this.contexts.delete(hdr.zxid);
    this.onCommit(hdr, txn, ctx);
  }

  /** Proposals that will never commit here (the role ended): forget who waited for them. */
  forget(): void {
    this.contexts.clear();
  }

  close(): Promise<void> {
    return this.sink.idle();
  }
}
