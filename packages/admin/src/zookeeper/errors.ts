/**
 * ZooKeeper data that cannot be read as what ZooKeeper wrote: a bad checksum, a record that
 * does not decode, a truncated file, a gap between txns. Names the file and the byte offset
 * (in the file's uncompressed stream for a compressed snapshot), so an operator can look.
 * Nothing has been written when an import stops with this.
 */
export class ZkDataError extends Error {
  constructor(
    /** The file, as given on the command line joined with its name. */
    readonly file: string,
    /** Byte offset of the damaged record or field, or -1 when it concerns the file as a whole. */
    readonly offset: number,
    /** What is wrong there, without the file and offset. */
    readonly detail: string,
    options?: { cause?: unknown },
  ) {
    super(`${file}${offset >= 0 ? ` at offset ${offset}` : ''}: ${detail}`, options);
    this.name = 'ZkDataError';
  }
}

/**
 * An admin task refused to go ahead (existing data it would overwrite, nothing to import, a
 * setting it cannot honour). Nothing has been written. The message says what to do.
 */
export class MigrationRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MigrationRefusedError';
  }
}
