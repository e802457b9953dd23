import assert from 'node:assert/strict';
import { close, constants, open as openFd, write } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { replaceFileDurably } from './durable-file.js';
import { FILE_HEADER_BYTES, decodeFileHeader, encodeFileHeader, encodeRecord, scanJournal, type JournalBatch } from './journal-format.js';
import type { StorageWarn } from './types.js';

const pwrite = promisify(write);
const closeFd = promisify(close);
const openRaw = promisify(openFd);

/**
 * The journal file's size when this version creates one: a reset (one synced LevelDB write)
 * every 4 MiB of txns, some 20,000 small ones. Every server writes this many zeros once, when
 * it first opens its data directory.
 */
export const DEFAULT_JOURNAL_BYTES = 4 * 1024 * 1024;

/**
 * Appends whose record would be this big or bigger skip the journal for one synced LevelDB
 * write (level-txn-log.ts). The journal saves the metadata commit of LevelDB's growing log,
 * which is most of a small append's cost; a big one pays mostly for its bytes, which through
 * the journal go to disk twice (the journal, then LevelDB's log at the next checkpoint) and
 * fill it, so a checkpoint comes every few appends. Measured with bench/fsync-floor.mjs
 * (loaded machine, one writer, p50 / p99 ms): 100 KB 7.2 / 61 through the journal, 5.3 / 49
 * without; 1 MB 80 / 385 and 72 / 234. A record bigger than the journal could not go in it at all.
 */
export const DEFAULT_JOURNAL_DIRECT_BYTES = 64 * 1024;

const ZEROS_BYTES = 1024 * 1024;

/** What Journal.open found: the journal, and the records of its current generation to replay. */
export interface OpenedJournal {
  journal: Journal;
  /** Every good record of the current generation, in order. */
  batches: JournalBatch[];
}

/**
 * The txn log's write-ahead journal: one preallocated, zero-filled file (journal-format.ts)
 * opened O_DSYNC, so an append is one pwrite(2) into blocks that are already allocated and
 * written: durable when it returns, with no metadata to commit (measured with
 * bench/fsync-floor.mjs: faster than LevelDB's synced write into its growing log file).
 *
 * The owner (LevelTxnLog) writes each append here and to LevelDB without sync; the journal
 * only has to hold what LevelDB may have lost to a power failure since its last synced write.
 * So, contract: call reset() only right after a synced LevelDB write (a checkpoint) that
 * holds everything appended here; after reset() the journal is empty. Appends and resets
 * must not overlap (the owner runs them one at a time).
 */
export class Journal {
  private closed = false;

  private constructor(
    private readonly fd: number,
    readonly path: string,
    private readonly sizeBytes: number,
    private gen: number,
    private offset: number,
  ) {}

  /**
   * Opens the journal at `path`, creating it (`sizeBytes` of zeros, then renamed into place,
   * so a crash never leaves a half-filled one) if there is none. A header that does not check
   * out can only be a reset torn by a crash, which follows a checkpoint: nothing in the file is
   * needed, and it is filled with zeros again (reported through `warn`). A torn or damaged
   * record ends the journal at the last good one, also reported.
   */
  static async open(path: string, sizeBytes: number, warn: StorageWarn): Promise<OpenedJournal> {
    assert(sizeBytes >= 2 * FILE_HEADER_BYTES, 'journal size too small');
    let file = await readFile(path).catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return undefined;
      throw e;
    });
    let gen = file && decodeFileHeader(file);
    if (file && gen === undefined) warn('txn journal: header does not check out (a reset torn by a crash); starting it afresh', { path });
    if (!file || gen === undefined) {
      await createZeroed(path, sizeBytes);
      file = undefined;
      gen = 1;
    }
    const scan = file ? scanJournal(file, gen) : { batches: [], endOffset: FILE_HEADER_BYTES };
    if ('damage' in scan) warn(`txn journal ends at the last good record: ${scan.damage}`, { path, records: scan.batches.length });
    const fd = await openRaw(path, constants.O_RDWR | constants.O_DSYNC);
    const size = file?.length ?? sizeBytes;
    return { journal: new Journal(fd, path, size, gen, scan.endOffset), batches: scan.batches };
  }

  /** Whether a record of `recordBytes` (journal-format's recordBytes) fits in what is left of the file before the next reset. */
  fits(recordBytes: number): boolean {
    return this.offset + recordBytes <= this.sizeBytes;
  }

  /** `batch` as one record of the current generation, for fits() and append(). */
  encode(batch: JournalBatch): Buffer {
    return encodeRecord(this.gen, batch);
  }

  /** Writes a record from encode() after the last one; durable on resolve. It must fit. */
  async append(record: Buffer): Promise<void> {
    assert(!this.closed, 'journal used after close');
    assert(this.fits(record.length), 'journal record does not fit');
    await writeAll(this.fd, record, this.offset);
    this.offset += record.length;
  }

  /** Empties the journal (a new generation); durable on resolve. Only after a checkpoint: see the class. */
  async reset(): Promise<void> {
    assert(!this.closed, 'journal used after close');
    assert(this.gen < 0xffff_ffff, 'journal generation overflow');
    await writeAll(this.fd, encodeFileHeader(this.gen + 1), 0);
    this.gen++;
    this.offset = FILE_HEADER_BYTES;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await closeFd(this.fd);
  }
}

async function writeAll(fd: number, buf: Buffer, position: number): Promise<void> {
  for (let done = 0; done < buf.length; ) {
    const { bytesWritten } = await pwrite(fd, buf, done, buf.length - done, position + done);
    done += bytesWritten;
  }
}

/** Writes a journal of `sizeBytes` zeros with a generation-1 header, durably, at `path`. */
async function createZeroed(path: string, sizeBytes: number): Promise<void> {
  await replaceFileDurably(path, async (h) => {
    const zeros = Buffer.alloc(Math.min(ZEROS_BYTES, sizeBytes));
    for (let at = 0; at < sizeBytes; at += zeros.length) await h.write(zeros, 0, Math.min(zeros.length, sizeBytes - at), at);
    await h.write(encodeFileHeader(1), 0, FILE_HEADER_BYTES, 0);
  });
}
