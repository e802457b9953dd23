/**
 * What to do about data that cannot be trusted. Storage does not know whether it runs
 * standalone or in an ensemble, so it names both ways out; the server may say it better.
 */
export const RESTORE_ADVICE =
  'Do not start over it with an empty or older state: restore the data directory from a backup, ' +
  'or, in an ensemble, move this server\'s data directory aside so it resyncs from the others.';

/**
 * Data on disk that cannot be what was written: a bad checksum, an undecodable record, a
 * record under the wrong key, a gap in the zxids of the log, or a log that no longer reaches
 * back to the snapshot it must be replayed onto. Storage never skips such data silently in
 * the txn log; callers stop rather than serve a state that may be missing acknowledged writes.
 * `message` is `<where>: <what is wrong>`; `advice` says what an operator can do.
 */
export class CorruptDataError extends Error {
  /** The zxid of the damaged record or snapshot, when there is one. */
  readonly zxid: bigint | undefined;
  readonly advice: string;

  constructor(
    /** The thing that is damaged, e.g. `txn log record 0x5` or `snapshot 0xa chunk 1`. */
    readonly where: string,
    detail: string,
    options: { zxid?: bigint; advice?: string; cause?: unknown } = {},
  ) {
    super(`${where}: ${detail}`, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CorruptDataError';
    this.zxid = options.zxid;
    this.advice = options.advice ?? RESTORE_ADVICE;
  }
}

/** Another process (or another open in this one) holds the LevelDB directory. */
export class DataDirLockedError extends Error {
  constructor(
    readonly dir: string,
    options?: { cause?: unknown },
  ) {
    super(`${dir} is in use by another process (LevelDB lock held); is another zab server running on this data directory?`, options);
    this.name = 'DataDirLockedError';
  }
}
