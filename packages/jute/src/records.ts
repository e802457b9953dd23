// The client-protocol records of zookeeper.jute (org.apache.zookeeper.proto and .data),
// field for field in wire order.
import { bool, buffer, int, long, nullableUstring, record, ustring, vector, type Infer } from './codec.js';

export const Id = record({ scheme: ustring, id: ustring });
export type Id = Infer<typeof Id>;
export const ACL = record({ perms: int, id: Id });
export type ACL = Infer<typeof ACL>;
export const ACLList = vector(ACL);

/** The fields Stat and StatPersisted (org.apache.zookeeper.data) open with, in wire order. */
const STAT_HEAD = {
  czxid: long,
  mzxid: long,
  ctime: long,
  mtime: long,
  version: int,
  cversion: int,
  aversion: int,
  ephemeralOwner: long,
};

/** A znode's stat as clients see it. */
export const Stat = record({ ...STAT_HEAD, dataLength: int, numChildren: int, pzxid: long });
export type Stat = Infer<typeof Stat>;
/** A znode's stat as snapshots hold it: dataLength and numChildren are not stored. */
export const StatPersisted = record({ ...STAT_HEAD, pzxid: long });
export type StatPersisted = Infer<typeof StatPersisted>;

// The trailing readOnly flag of Connect{Request,Response} is optional on the wire:
// the connection layer reads/writes it only when the peer sent it.
export const ConnectRequest = record({
  protocolVersion: int,
  lastZxidSeen: long,
  timeOut: int,
  sessionId: long,
  passwd: buffer,
});
export type ConnectRequest = Infer<typeof ConnectRequest>;
export const ConnectResponse = record({
  protocolVersion: int,
  timeOut: int,
  sessionId: long,
  passwd: buffer,
});
export type ConnectResponse = Infer<typeof ConnectResponse>;

export const RequestHeader = record({ xid: int, type: int });
export type RequestHeader = Infer<typeof RequestHeader>;
export const ReplyHeader = record({ xid: int, zxid: long, err: int });
export type ReplyHeader = Infer<typeof ReplyHeader>;
export const MultiHeader = record({ type: int, done: bool, err: int });
export type MultiHeader = Infer<typeof MultiHeader>;

export const AuthPacket = record({ type: int, scheme: ustring, auth: buffer });
export type AuthPacket = Infer<typeof AuthPacket>;
export const WatcherEvent = record({ type: int, state: int, path: ustring });
export type WatcherEvent = Infer<typeof WatcherEvent>;
export const ErrorResponse = record({ err: int });
export type ErrorResponse = Infer<typeof ErrorResponse>;

const paths = vector(ustring);
export const SetWatches = record({
  relativeZxid: long,
  dataWatches: paths,
  existWatches: paths,
  childWatches: paths,
});
export type SetWatches = Infer<typeof SetWatches>;
export const SetWatches2 = record({
  relativeZxid: long,
  dataWatches: paths,
  existWatches: paths,
  childWatches: paths,
  persistentWatches: paths,
  persistentRecursiveWatches: paths,
});
export type SetWatches2 = Infer<typeof SetWatches2>;

export const CreateRequest = record({ path: ustring, data: buffer, acl: ACLList, flags: int });
export type CreateRequest = Infer<typeof CreateRequest>;
export const CreateTTLRequest = record({ path: ustring, data: buffer, acl: ACLList, flags: int, ttl: long });
export type CreateTTLRequest = Infer<typeof CreateTTLRequest>;
export const CreateResponse = record({ path: ustring });
export type CreateResponse = Infer<typeof CreateResponse>;
export const Create2Response = record({ path: ustring, stat: Stat });
export type Create2Response = Infer<typeof Create2Response>;

export const DeleteRequest = record({ path: ustring, version: int });
export type DeleteRequest = Infer<typeof DeleteRequest>;
export const CheckVersionRequest = record({ path: ustring, version: int });
export type CheckVersionRequest = Infer<typeof CheckVersionRequest>;

/** exists, getData, getChildren and getChildren2 share this shape. */
export const PathWatchRequest = record({ path: ustring, watch: bool });
export type PathWatchRequest = Infer<typeof PathWatchRequest>;
/** sync, getACL, getAllChildrenNumber, getEphemerals (prefixPath), SyncResponse share this shape. */
export const PathRequest = record({ path: ustring });
export type PathRequest = Infer<typeof PathRequest>;

export const ExistsResponse = record({ stat: Stat });
export type ExistsResponse = Infer<typeof ExistsResponse>;
export const GetDataResponse = record({ data: buffer, stat: Stat });
export type GetDataResponse = Infer<typeof GetDataResponse>;
export const SetDataRequest = record({ path: ustring, data: buffer, version: int });
export type SetDataRequest = Infer<typeof SetDataRequest>;
export const SetDataResponse = record({ stat: Stat });
export type SetDataResponse = Infer<typeof SetDataResponse>;

export const GetACLResponse = record({ acl: ACLList, stat: Stat });
export type GetACLResponse = Infer<typeof GetACLResponse>;
export const SetACLRequest = record({ path: ustring, acl: ACLList, version: int });
export type SetACLRequest = Infer<typeof SetACLRequest>;
export const SetACLResponse = record({ stat: Stat });
export type SetACLResponse = Infer<typeof SetACLResponse>;

export const GetChildrenResponse = record({ children: paths });
export type GetChildrenResponse = Infer<typeof GetChildrenResponse>;
export const GetChildren2Response = record({ children: paths, stat: Stat });
export type GetChildren2Response = Infer<typeof GetChildren2Response>;
export const GetAllChildrenNumberResponse = record({ totalNumber: int });
export type GetAllChildrenNumberResponse = Infer<typeof GetAllChildrenNumberResponse>;
export const GetEphemeralsResponse = record({ ephemerals: paths });
export type GetEphemeralsResponse = Infer<typeof GetEphemeralsResponse>;

export const AddWatchRequest = record({ path: ustring, mode: int });
export type AddWatchRequest = Infer<typeof AddWatchRequest>;
/** RemoveWatchesRequest and CheckWatchesRequest share this shape. */
export const WatchesRequest = record({ path: ustring, type: int });
export type WatchesRequest = Infer<typeof WatchesRequest>;

export const ClientInfo = record({ authScheme: ustring, user: ustring });
export type ClientInfo = Infer<typeof ClientInfo>;
export const WhoAmIResponse = record({ clientInfo: vector(ClientInfo) });
export type WhoAmIResponse = Infer<typeof WhoAmIResponse>;

/** reconfig: incremental (joining/leaving) or whole (newMembers) membership; curConfigId -1 skips the version check. */
export const ReconfigRequest = record({ joiningServers: nullableUstring, leavingServers: nullableUstring, newMembers: nullableUstring, curConfigId: long });
export type ReconfigRequest = Infer<typeof ReconfigRequest>;

/** One SASL round trip: the client's token out (GetSASLRequest), the server's back (SetSASLResponse). */
export const GetSASLRequest = record({ token: buffer });
export type GetSASLRequest = Infer<typeof GetSASLRequest>;
export const SetSASLResponse = record({ token: buffer });
export type SetSASLResponse = Infer<typeof SetSASLResponse>;

export const SyncResponse = PathRequest;
export type SyncResponse = PathRequest;
