// The operations of the closed-loop workloads: what the next request of a session is. Each
// source is owned by one worker; the paths it writes are recorded so that delete can consume
// them and the run can remove them afterwards.
import { CreateMode, ErrorCode, errorName } from '@zab/jute';
import * as req from './requests.js';
import type { BenchSession, ReplyHandler } from './session.js';
import { keyPath } from './spec.js';

/** An operation's outcome: null on success or the failure's name; when the reply came; whether the connection went. */
export type OpDone = (failure: string | null, atMs: number, lost: boolean) => void;

/** Where a closed loop gets its next request. */
export interface OpSource {
  /** Sends the next request of session `local` on `s`; false when that session has no work left. */
  issue(s: BenchSession, local: number, done: OpDone): boolean;
}

/** Adapts OpDone to a session's reply handler: OK is success, anything else a named failure. */
function onReply(done: OpDone): ReplyHandler {
  return (err, _frame, _off, atMs) => done(err === ErrorCode.OK ? null : errorName(err), atMs, err === ErrorCode.CONNECTIONLOSS);
}

/** A value of n bytes (printable, so a human reading the tree sees what made it). */
export function valueOf(n: number): Buffer {
  return Buffer.alloc(n, 'zab-bench ');
}

/**
 * Creates `${rootPath}/${prefix}${session}-${seq}`, seq counting up per session. Remembers the
 * seqs that succeeded, per session, in `created`.
 */
export class CreateSource implements OpSource {
  readonly created: number[][];
  private readonly nextSeq: number[];
  /** Stop once this many creates succeeded in all (0: no limit). */
  private remaining: number;

  constructor(
    private readonly rootPath: string,
    private readonly prefix: string,
    private readonly first: number,
    count: number,
    private readonly value: Buffer,
    private readonly flags = CreateMode.PERSISTENT,
    maxOps = 0,
  ) {
    this.created = Array.from({ length: count }, () => []);
    this.nextSeq = new Array<number>(count).fill(0);
    this.remaining = maxOps > 0 ? maxOps : Number.POSITIVE_INFINITY;
  }

  pathOf(local: number, seq: number): string {
    return `${this.rootPath}/${this.prefix}${this.first + local}-${seq}`;
  }

  issue(s: BenchSession, local: number, done: OpDone): boolean {
    if (this.remaining <= 0) return false;
    this.remaining--;
    const seq = this.nextSeq[local]!++;
    req.create(s, this.pathOf(local, seq), this.value, this.flags, (err, frame, off, atMs) => {
      if (err === ErrorCode.OK) this.created[local]!.push(seq);
      else this.remaining++;
      onReply(done)(err, frame, off, atMs);
    });
    return true;
  }

  /** Every path created so far, the sessions' in turn (so that deletes spread over them). */
  createdPaths(): string[] {
    const out: string[] = [];
    const longest = Math.max(0, ...this.created.map((seqs) => seqs.length));
    for (let i = 0; i < longest; i++) {
      this.created.forEach((seqs, local) => {
        if (i < seqs.length) out.push(this.pathOf(local, seqs[i]!));
      });
    }
    return out;
  }
}

/** setData of a random key, any version. */
export class SetDataSource implements OpSource {
  constructor(
    private readonly rootPath: string,
    private readonly keys: number,
    private readonly value: Buffer,
  ) {}

  issue(s: BenchSession, _local: number, done: OpDone): boolean {
    req.setData(s, keyPath(this.rootPath, Math.floor(Math.random() * this.keys)), this.value, onReply(done));
    return true;
  }
}

/** getData of a random key; a reply whose data is not valueBytes long is a failure. */
export class GetDataSource implements OpSource {
  constructor(
    private readonly rootPath: string,
    private readonly keys: number,
    private readonly valueBytes: number,
  ) {}

  issue(s: BenchSession, _local: number, done: OpDone): boolean {
    req.getData(s, keyPath(this.rootPath, Math.floor(Math.random() * this.keys)), false, (err, frame, off, atMs) => {
      if (err === ErrorCode.OK && req.getDataLength(frame!, off) !== this.valueBytes) done('wrong data length', atMs, false);
      else onReply(done)(err, frame, off, atMs);
    });
    return true;
  }
}

/** getData with probability readPct%, setData otherwise. */
export class MixedSource implements OpSource {
  constructor(
    private readonly readPct: number,
    private readonly reads: OpSource,
    private readonly writes: OpSource,
  ) {}

  issue(s: BenchSession, local: number, done: OpDone): boolean {
    return (Math.random() * 100 < this.readPct ? this.reads : this.writes).issue(s, local, done);
  }
}

/**
 * Deletes the given paths in order, whichever session asks next: the worker's sessions share
 * one pool, so none runs dry while another still has work.
 */
export class DeleteSource implements OpSource {
  private next = 0;

  constructor(private readonly paths: readonly string[]) {}

  issue(s: BenchSession, _local: number, done: OpDone): boolean {
    const path = this.paths[this.next];
    if (path === undefined) return false;
    this.next++;
    req.remove(s, path, onReply(done));
    return true;
  }

  /** Paths not deleted yet (for the clean-up after the run). */
  leftovers(): string[] {
    return this.paths.slice(this.next);
  }
}
