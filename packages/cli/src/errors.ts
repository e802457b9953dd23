// The CLI's own failure conditions, one class per condition. ZooKeeper's API errors are not
// here: they arrive as @zab/jute KeeperError subclasses and keep their wire code.

/** The command line or a shell line is malformed (unknown command, missing argument, bad ACL). */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  /** The usage line of the command that was misused, printed after the message when known. */
  constructor(message: string, readonly usage?: string) {
    super(message);
  }
}

/** No session could be opened with any server of the connect string within the deadline. */
export class ConnectFailedError extends Error {
  override readonly name = 'ConnectFailedError';
  constructor(readonly servers: string, readonly timeoutMs: number, options?: { cause?: unknown }) {
    super(`could not connect to ${servers} within ${timeoutMs} ms`, options);
  }
}

/** A four-letter word got no complete answer: refused, reset, or silent past its deadline. */
export class FourLetterWordError extends Error {
  override readonly name = 'FourLetterWordError';
  constructor(readonly word: string, readonly server: string, reason: string, options?: { cause?: unknown }) {
    super(`${word} to ${server}: ${reason}`, options);
  }
}

/** A quota command the quota nodes rule out: no quota on the path, or one above or below it. */
export class QuotaError extends Error {
  override readonly name = 'QuotaError';
}
