// What a script sees: the exit status and the one-line message on stderr for every way a
// command can end. Messages for ZooKeeper errors are zkCli.sh's (CliWrapperException) so that
// scripts written against zkCli.sh keep matching; the rest say KeeperException's text.
import { ErrorCode, KeeperError, errorName } from '@zab/jute';
import { ConnectFailedError, FourLetterWordError, QuotaError, UsageError } from './errors.js';

/** Exit statuses, documented in packages/cli/README.md; scripts rely on the numbers. */
export const ExitCode = {
  OK: 0,
  /** The server answered with a ZooKeeper error (NoNode, BadVersion, NoAuth, ...). */
  ZOOKEEPER_ERROR: 1,
  /** The command line (or shell line) is malformed; nothing was sent. */
  USAGE: 2,
  /** No server could be reached within --timeout, or the connection was lost mid-command. */
  CONNECTION: 3,
  /** Anything else: a bug in zkcli. */
  INTERNAL: 4,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

// Codes that mean "the server was not there" rather than "the server said no".
const connectionCodes = new Set<number>([ErrorCode.CONNECTIONLOSS, ErrorCode.OPERATIONTIMEOUT]);

/** The exit status a failed command ends with. */
export function exitCodeFor(err: unknown): ExitCode {
  if (err instanceof UsageError) return ExitCode.USAGE;
  if (err instanceof ConnectFailedError || err instanceof FourLetterWordError) return ExitCode.CONNECTION;
  if (err instanceof QuotaError) return ExitCode.ZOOKEEPER_ERROR;
  if (err instanceof KeeperError) return connectionCodes.has(err.code) ? ExitCode.CONNECTION : ExitCode.ZOOKEEPER_ERROR;
  return ExitCode.INTERNAL;
}

// zkCli.sh's wording, keyed by code; `path` is the znode the error is about.
const zkCliTexts: Partial<Record<number, (path: string) => string>> = {
  [ErrorCode.NONODE]: (p) => `Node does not exist: ${p}`,
  [ErrorCode.NOCHILDRENFOREPHEMERALS]: (p) => `Ephemerals cannot have children: ${p}`,
  [ErrorCode.NODEEXISTS]: (p) => `Node already exists: ${p}`,
  [ErrorCode.NOTEMPTY]: (p) => `Node not empty: ${p}`,
  [ErrorCode.NOTREADONLY]: (p) => `Not a read-only call: ${p}`,
  [ErrorCode.INVALIDACL]: (p) => `Acl is not valid : ${p}`,
  [ErrorCode.NOAUTH]: (p) => `Insufficient permission : ${p}`,
  [ErrorCode.BADARGUMENTS]: (p) => `Arguments are not valid : ${p}`,
  [ErrorCode.BADVERSION]: (p) => `version No is not valid : ${p}`,
  [ErrorCode.QUOTAEXCEEDED]: (p) => `Quota has exceeded : ${p}`,
};

/**
 * The message printed for a failed command. `path` stands in when the error does not carry the
 * znode it is about (zkCli prints "null" there; a path is more use to a reader).
 */
export function errorMessage(err: unknown, path?: string): string {
  if (err instanceof KeeperError) {
    const where = err.path ?? path;
    const text = zkCliTexts[err.code];
    if (text && where !== undefined) return text(where);
    return err.message;
  }
  if (err instanceof Error) return err.message;
  return String(err);
}

/** The --json form of a failure, printed on stderr as one line. */
export interface ErrorJson {
  error: {
    message: string;
    exitCode: ExitCode;
    /** KeeperException.Code name and number, for ZooKeeper errors only. */
    name?: string;
    code?: number;
    path?: string;
  };
}

export function errorJson(err: unknown, path?: string): ErrorJson {
  const out: ErrorJson = { error: { message: errorMessage(err, path), exitCode: exitCodeFor(err) } };
  if (err instanceof KeeperError) {
    out.error.name = errorName(err.code);
    out.error.code = err.code;
    const where = err.path ?? path;
    if (where !== undefined) out.error.path = where;
  }
  return out;
}
