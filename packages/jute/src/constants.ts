// Protocol numbers of the ZooKeeper client protocol. Every value here must match
// Apache ZooKeeper's ZooDefs, KeeperException.Code and Watcher.Event exactly: clients
// compare them numerically.

/** Request types (ZooDefs.OpCode). */
export const OpCode = {
  notification: 0,
  create: 1,
  delete: 2,
  exists: 3,
  getData: 4,
  setData: 5,
  getACL: 6,
  setACL: 7,
  getChildren: 8,
  sync: 9,
  ping: 11,
  getChildren2: 12,
  check: 13,
  multi: 14,
  create2: 15,
  reconfig: 16,
  checkWatches: 17,
  removeWatches: 18,
  createContainer: 19,
  deleteContainer: 20,
  createTTL: 21,
  multiRead: 22,
  auth: 100,
  setWatches: 101,
  sasl: 102,
  getEphemerals: 103,
  getAllChildrenNumber: 104,
  setWatches2: 105,
  addWatch: 106,
  whoAmI: 107,
  createSession: -10,
  closeSession: -11,
  error: -1,
} as const;
export type OpCodeName = keyof typeof OpCode;

/** A name -> code table read backwards: the name of a code, or `unknown(<n>)`. */
/** The lookup of `table`'s names by value: a value's name, or `unknown(value)` for one the table lacks. */
export function namesOf(table: Readonly<Record<string, number>>, unknown = (code: number) => `unknown(${code})`): (code: number) => string {
  const names = new Map<number, string>(Object.entries(table).map(([k, v]) => [v, k]));
  return (code) => names.get(code) ?? unknown(code);
}

/** The ZooKeeper name of an opcode, or `unknown(<n>)`. */
export const opName = namesOf(OpCode);

/** Error codes carried in ReplyHeader.err (KeeperException.Code). */
export const ErrorCode = {
  OK: 0,
  SYSTEMERROR: -1,
  RUNTIMEINCONSISTENCY: -2,
  DATAINCONSISTENCY: -3,
  CONNECTIONLOSS: -4,
  MARSHALLINGERROR: -5,
  UNIMPLEMENTED: -6,
  OPERATIONTIMEOUT: -7,
  BADARGUMENTS: -8,
  UNKNOWNSESSION: -12,
  NEWCONFIGNOQUORUM: -13,
  RECONFIGINPROGRESS: -14,
  APIERROR: -100,
  NONODE: -101,
  NOAUTH: -102,
  BADVERSION: -103,
  NOCHILDRENFOREPHEMERALS: -108,
  NODEEXISTS: -110,
  NOTEMPTY: -111,
  SESSIONEXPIRED: -112,
  INVALIDCALLBACK: -113,
  INVALIDACL: -114,
  AUTHFAILED: -115,
  SESSIONMOVED: -118,
  NOTREADONLY: -119,
  EPHEMERALONLOCALSESSION: -120,
  NOWATCHER: -121,
  REQUESTTIMEOUT: -122,
  RECONFIGDISABLED: -123,
  SESSIONCLOSEDREQUIRESASLAUTH: -124,
  QUOTAEXCEEDED: -125,
  THROTTLEDOP: -127,
} as const;
export type ErrorCodeName = keyof typeof ErrorCode;

/** The ZooKeeper name of an error code, or `unknown(<n>)`. */
export const errorName = namesOf(ErrorCode);

/** ACL permission bits (ZooDefs.Perms). */
export const Perms = {
  READ: 1,
  WRITE: 2,
  CREATE: 4,
  DELETE: 8,
  ADMIN: 16,
  ALL: 31,
} as const;

/** Create flags (CreateMode.toFlag). */
export const CreateMode = {
  PERSISTENT: 0,
  EPHEMERAL: 1,
  PERSISTENT_SEQUENTIAL: 2,
  EPHEMERAL_SEQUENTIAL: 3,
  CONTAINER: 4,
  PERSISTENT_WITH_TTL: 5,
  PERSISTENT_SEQUENTIAL_WITH_TTL: 6,
} as const;

/** Watcher.Event.EventType. */
export const EventType = {
  None: -1,
  NodeCreated: 1,
  NodeDeleted: 2,
  NodeDataChanged: 3,
  NodeChildrenChanged: 4,
  DataWatchRemoved: 5,
  ChildWatchRemoved: 6,
  PersistentWatchRemoved: 7,
} as const;

/** Watcher.Event.KeeperState. */
export const KeeperState = {
  Disconnected: 0,
  SyncConnected: 3,
  AuthFailed: 4,
  ConnectedReadOnly: 5,
  SaslAuthenticated: 6,
  Expired: -112,
  Closed: 7,
} as const;

/** AddWatchRequest.mode (AddWatchMode). */
export const AddWatchMode = {
  PERSISTENT: 0,
  PERSISTENT_RECURSIVE: 1,
} as const;

/** RemoveWatchesRequest/CheckWatchesRequest.type (Watcher.WatcherType). */
export const WatcherType = {
  Children: 1,
  Data: 2,
  Any: 3,
} as const;

/** Reserved xids (ClientCnxn). */
export const Xid = {
  notification: -1,
  ping: -2,
  auth: -4,
  setWatches: -8,
} as const;

/** Default jute.maxbuffer: the largest frame either side accepts, in bytes. */
export const DEFAULT_MAX_BUFFER_BYTES = 0xfffff;

/** The znode where every member serves the ensemble's membership (ZooDefs.CONFIG_NODE). */
export const CONFIG_NODE = '/zookeeper/config';
