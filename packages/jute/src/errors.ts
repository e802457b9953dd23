import { ErrorCode, errorName } from './constants.js';

/**
 * An API error: a ZooKeeper error code that travels in ReplyHeader.err. There is one
 * subclass per code so callers can `instanceof` them; `KeeperError.fromCode` maps a wire
 * code back to its class. Messages follow KeeperException's ("KeeperErrorCode = NoNode for /a").
 */
export class KeeperError extends Error {
  constructor(readonly code: number, readonly path?: string, options?: { cause?: unknown }) {
    super(`KeeperErrorCode = ${codeText(code)}${path !== undefined ? ` for ${path}` : ''}`, options);
    this.name = new.target.name;
  }

  static fromCode(code: number, path?: string): KeeperError {
    const ctor = byCode.get(code);
    return ctor ? new ctor(path) : new KeeperError(code, path);
  }
}

type KeeperErrorClass = new (path?: string) => KeeperError;

function define(code: number, name: string): KeeperErrorClass {
  const cls = class extends KeeperError {
    constructor(path?: string) {
      super(code, path);
    }
  };
  Object.defineProperty(cls, 'name', { value: name });
  return cls;
}

// Names as KeeperException.Code spells them in its messages.
const texts: Record<number, string> = {
  [ErrorCode.SYSTEMERROR]: 'SystemError',
  [ErrorCode.RUNTIMEINCONSISTENCY]: 'RuntimeInconsistency',
  [ErrorCode.DATAINCONSISTENCY]: 'DataInconsistency',
  [ErrorCode.CONNECTIONLOSS]: 'ConnectionLoss',
  [ErrorCode.MARSHALLINGERROR]: 'MarshallingError',
  [ErrorCode.UNIMPLEMENTED]: 'Unimplemented',
  [ErrorCode.OPERATIONTIMEOUT]: 'OperationTimeout',
  [ErrorCode.BADARGUMENTS]: 'BadArguments',
  [ErrorCode.UNKNOWNSESSION]: 'Unknown session',
  [ErrorCode.NEWCONFIGNOQUORUM]: 'NewConfigNoQuorum',
  [ErrorCode.RECONFIGINPROGRESS]: 'ReconfigInProgress',
  [ErrorCode.APIERROR]: 'APIError',
  [ErrorCode.NONODE]: 'NoNode',
  [ErrorCode.NOAUTH]: 'NoAuth',
  [ErrorCode.BADVERSION]: 'BadVersion',
  [ErrorCode.NOCHILDRENFOREPHEMERALS]: 'NoChildrenForEphemerals',
  [ErrorCode.NODEEXISTS]: 'NodeExists',
  [ErrorCode.NOTEMPTY]: 'Directory not empty',
  [ErrorCode.SESSIONEXPIRED]: 'Session expired',
  [ErrorCode.INVALIDCALLBACK]: 'Invalid callback',
  [ErrorCode.INVALIDACL]: 'InvalidACL',
  [ErrorCode.AUTHFAILED]: 'AuthFailed',
  [ErrorCode.SESSIONMOVED]: 'Session moved',
  [ErrorCode.NOTREADONLY]: 'Not a read-only call',
  [ErrorCode.EPHEMERALONLOCALSESSION]: 'Ephemeral node on local session',
  [ErrorCode.NOWATCHER]: 'No such watcher',
  [ErrorCode.REQUESTTIMEOUT]: 'Request timeout',
  [ErrorCode.RECONFIGDISABLED]: 'Reconfig is disabled',
  [ErrorCode.SESSIONCLOSEDREQUIRESASLAUTH]: 'Session closed because client failed to authenticate',
  [ErrorCode.QUOTAEXCEEDED]: 'Quota has exceeded',
  [ErrorCode.THROTTLEDOP]: 'Op throttled due to high load',
};

function codeText(code: number): string {
  return texts[code] ?? errorName(code);
}

export const SystemError = define(ErrorCode.SYSTEMERROR, 'SystemError');
export const RuntimeInconsistencyError = define(ErrorCode.RUNTIMEINCONSISTENCY, 'RuntimeInconsistencyError');
export const DataInconsistencyError = define(ErrorCode.DATAINCONSISTENCY, 'DataInconsistencyError');
export const ConnectionLossError = define(ErrorCode.CONNECTIONLOSS, 'ConnectionLossError');
export const MarshallingError = define(ErrorCode.MARSHALLINGERROR, 'MarshallingError');
export const UnimplementedError = define(ErrorCode.UNIMPLEMENTED, 'UnimplementedError');
export const OperationTimeoutError = define(ErrorCode.OPERATIONTIMEOUT, 'OperationTimeoutError');
export const BadArgumentsError = define(ErrorCode.BADARGUMENTS, 'BadArgumentsError');
export const UnknownSessionError = define(ErrorCode.UNKNOWNSESSION, 'UnknownSessionError');
export const NewConfigNoQuorumError = define(ErrorCode.NEWCONFIGNOQUORUM, 'NewConfigNoQuorumError');
export const ReconfigInProgressError = define(ErrorCode.RECONFIGINPROGRESS, 'ReconfigInProgressError');
export const ApiError = define(ErrorCode.APIERROR, 'ApiError');
export const NoNodeError = define(ErrorCode.NONODE, 'NoNodeError');
export const NoAuthError = define(ErrorCode.NOAUTH, 'NoAuthError');
export const BadVersionError = define(ErrorCode.BADVERSION, 'BadVersionError');
export const NoChildrenForEphemeralsError = define(ErrorCode.NOCHILDRENFOREPHEMERALS, 'NoChildrenForEphemeralsError');
export const NodeExistsError = define(ErrorCode.NODEEXISTS, 'NodeExistsError');
export const NotEmptyError = define(ErrorCode.NOTEMPTY, 'NotEmptyError');
export const SessionExpiredError = define(ErrorCode.SESSIONEXPIRED, 'SessionExpiredError');
export const InvalidCallbackError = define(ErrorCode.INVALIDCALLBACK, 'InvalidCallbackError');
export const InvalidAclError = define(ErrorCode.INVALIDACL, 'InvalidAclError');
export const AuthFailedError = define(ErrorCode.AUTHFAILED, 'AuthFailedError');
export const SessionMovedError = define(ErrorCode.SESSIONMOVED, 'SessionMovedError');
export const NotReadOnlyError = define(ErrorCode.NOTREADONLY, 'NotReadOnlyError');
export const EphemeralOnLocalSessionError = define(ErrorCode.EPHEMERALONLOCALSESSION, 'EphemeralOnLocalSessionError');
export const NoWatcherError = define(ErrorCode.NOWATCHER, 'NoWatcherError');
export const RequestTimeoutError = define(ErrorCode.REQUESTTIMEOUT, 'RequestTimeoutError');
export const ReconfigDisabledError = define(ErrorCode.RECONFIGDISABLED, 'ReconfigDisabledError');
export const SessionClosedRequireSaslAuthError = define(ErrorCode.SESSIONCLOSEDREQUIRESASLAUTH, 'SessionClosedRequireSaslAuthError');
export const QuotaExceededError = define(ErrorCode.QUOTAEXCEEDED, 'QuotaExceededError');
export const ThrottledOpError = define(ErrorCode.THROTTLEDOP, 'ThrottledOpError');

const byCode = new Map<number, KeeperErrorClass>([
  [ErrorCode.SYSTEMERROR, SystemError],
  [ErrorCode.RUNTIMEINCONSISTENCY, RuntimeInconsistencyError],
  [ErrorCode.DATAINCONSISTENCY, DataInconsistencyError],
  [ErrorCode.CONNECTIONLOSS, ConnectionLossError],
  [ErrorCode.MARSHALLINGERROR, MarshallingError],
  [ErrorCode.UNIMPLEMENTED, UnimplementedError],
  [ErrorCode.OPERATIONTIMEOUT, OperationTimeoutError],
  [ErrorCode.BADARGUMENTS, BadArgumentsError],
  [ErrorCode.UNKNOWNSESSION, UnknownSessionError],
  [ErrorCode.NEWCONFIGNOQUORUM, NewConfigNoQuorumError],
  [ErrorCode.RECONFIGINPROGRESS, ReconfigInProgressError],
  [ErrorCode.APIERROR, ApiError],
  [ErrorCode.NONODE, NoNodeError],
  [ErrorCode.NOAUTH, NoAuthError],
  [ErrorCode.BADVERSION, BadVersionError],
  [ErrorCode.NOCHILDRENFOREPHEMERALS, NoChildrenForEphemeralsError],
  [ErrorCode.NODEEXISTS, NodeExistsError],
  [ErrorCode.NOTEMPTY, NotEmptyError],
  [ErrorCode.SESSIONEXPIRED, SessionExpiredError],
  [ErrorCode.INVALIDCALLBACK, InvalidCallbackError],
  [ErrorCode.INVALIDACL, InvalidAclError],
  [ErrorCode.AUTHFAILED, AuthFailedError],
  [ErrorCode.SESSIONMOVED, SessionMovedError],
  [ErrorCode.NOTREADONLY, NotReadOnlyError],
  [ErrorCode.EPHEMERALONLOCALSESSION, EphemeralOnLocalSessionError],
  [ErrorCode.NOWATCHER, NoWatcherError],
  [ErrorCode.REQUESTTIMEOUT, RequestTimeoutError],
  [ErrorCode.RECONFIGDISABLED, ReconfigDisabledError],
  [ErrorCode.SESSIONCLOSEDREQUIRESASLAUTH, SessionClosedRequireSaslAuthError],
  [ErrorCode.QUOTAEXCEEDED, QuotaExceededError],
  [ErrorCode.THROTTLEDOP, ThrottledOpError],
]);

/** The error class registered for a wire code, if any (used by the exhaustiveness test). */
export function keeperErrorClass(code: number): KeeperErrorClass | undefined {
  return byCode.get(code);
}
