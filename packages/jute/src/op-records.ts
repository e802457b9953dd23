// The one table of which jute record follows the header for each opcode (ZooDefs.OpCode), in
// both directions, including inside multi and multiRead. The server, the client and the tests'
// raw client all read it; a new opcode is added here and nowhere else.
//
// What the table says is what Apache ZooKeeper 3.8 puts on the wire (ClientCnxn, ZooKeeper,
// FinalRequestProcessor, MultiOperationRecord, MultiResponse), including its oddities: a
// standalone check is answered with a SetDataResponse, addWatch with an ErrorResponse{0}.
import type { Codec } from './codec.js';
import { OpCode, type OpCodeName } from './constants.js';
import { JuteDecodeError, type JuteReader } from './reader.js';
import * as R from './records.js';
import type { JuteWriter } from './writer.js';

/**
 * How an opcode travels:
 * - 'request': a client sends RequestHeader{type} + `request`; the server answers ReplyHeader
 *   + `response`, the response only when ReplyHeader.err is 0 (as ClientCnxn reads it).
 * - 'handshake': createSession, the ConnectRequest/ConnectResponse pair, sent with no header.
 * - 'notification': never requested; the server's WatcherEvent after a ReplyHeader of xid -1.
 * - 'multiResult': error, only the type of a failed op's result inside a multi response.
 * - 'internal': deleteContainer, the server's own container reaper; no client sends it.
 */
export type OpUse = 'request' | 'handshake' | 'notification' | 'multiResult' | 'internal';

/**
 * The records of one opcode. A null codec means no record at all (not an empty one): nothing
 * follows the header. `inMulti` says whether the op may stand inside multi ('write') or
 * multiRead ('read'); `multiResult` is the record of a multi result whose type is this opcode
 * (null: the result has no body; absent: no result carries this type: a createContainer or
 * createTTL op is answered by a create2 result).
 */
export interface OpRecords {
  readonly use: OpUse;
  readonly request: Codec<any> | null;
  readonly response: Codec<any> | null;
  readonly inMulti?: 'write' | 'read';
  readonly multiResult?: Codec<any> | null;
}

/** One op of a multi request: its opcode and its request record. */
export interface MultiOp {
  type: number;
  request: any;
}

/** One op result: `type` selects the body (OpCode.error for ErrorResponse). */
export interface MultiResult {
  type: number;
  err: number;
  body?: any;
}

/** The body of multi and multiRead requests: (MultiHeader, op record)* then the terminator. */
export const MultiRequest: Codec<MultiOp[]> = {
  read: (r) => readMultiRequest(r),
  write: (w, ops) => writeMultiRequest(w, ops),
};

/** The body of multi and multiRead replies: (MultiHeader, result record)* then the terminator. */
export const MultiResponse: Codec<MultiResult[]> = {
  read: (r) => readMultiResponse(r),
  write: (w, results) => writeMultiResponse(w, results),
};

/** A client request row; typed by its codecs so that callers get the record types. */
function req<Q extends Codec<any> | null, S extends Codec<any> | null, M extends Pick<OpRecords, 'inMulti' | 'multiResult'>>(
  request: Q,
  response: S,
  multi?: M,
): { use: 'request'; request: Q; response: S } & M {
  return { use: 'request', request, response, ...(multi as M) };
}

/** Every ZooDefs.OpCode by name. */
export const OP_RECORDS = {
  notification: { use: 'notification', request: null, response: R.WatcherEvent },
  create: req(R.CreateRequest, R.CreateResponse, { inMulti: 'write', multiResult: R.CreateResponse }),
  delete: req(R.DeleteRequest, null, { inMulti: 'write', multiResult: null }),
  exists: req(R.PathWatchRequest, R.ExistsResponse),
  getData: req(R.PathWatchRequest, R.GetDataResponse, { inMulti: 'read', multiResult: R.GetDataResponse }),
  setData: req(R.SetDataRequest, R.SetDataResponse, { inMulti: 'write', multiResult: R.SetDataResponse }),
  getACL: req(R.PathRequest, R.GetACLResponse),
  setACL: req(R.SetACLRequest, R.SetACLResponse),
  getChildren: req(R.PathWatchRequest, R.GetChildrenResponse, { inMulti: 'read', multiResult: R.GetChildrenResponse }),
  sync: req(R.PathRequest, R.SyncResponse),
  ping: req(null, null),
  getChildren2: req(R.PathWatchRequest, R.GetChildren2Response),
  // Standalone, ZooKeeper answers check with the node's Stat; inside a multi, with no body.
  check: req(R.CheckVersionRequest, R.SetDataResponse, { inMulti: 'write', multiResult: null }),
  multi: req(MultiRequest, MultiResponse),
  create2: req(R.CreateRequest, R.Create2Response, { inMulti: 'write', multiResult: R.Create2Response }),
  reconfig: req(R.ReconfigRequest, R.GetDataResponse),
  checkWatches: req(R.WatchesRequest, null),
  removeWatches: req(R.WatchesRequest, null),
  createContainer: req(R.CreateRequest, R.Create2Response, { inMulti: 'write' }),
  deleteContainer: { use: 'internal', request: null, response: null },
  createTTL: req(R.CreateTTLRequest, R.Create2Response, { inMulti: 'write' }),
  multiRead: req(MultiRequest, MultiResponse),
  auth: req(R.AuthPacket, null),
  setWatches: req(R.SetWatches, null),
  sasl: req(R.GetSASLRequest, R.SetSASLResponse),
  getEphemerals: req(R.PathRequest, R.GetEphemeralsResponse),
  getAllChildrenNumber: req(R.PathRequest, R.GetAllChildrenNumberResponse),
  setWatches2: req(R.SetWatches2, null),
  addWatch: req(R.AddWatchRequest, R.ErrorResponse),
  whoAmI: req(null, R.WhoAmIResponse),
  createSession: { use: 'handshake', request: R.ConnectRequest, response: R.ConnectResponse },
  closeSession: req(null, null),
  error: { use: 'multiResult', request: null, response: null, multiResult: R.ErrorResponse },
} as const satisfies { readonly [N in OpCodeName]: OpRecords };

/** The opcodes a client sends as RequestHeader.type. */
export type RequestOpName = { [N in OpCodeName]: (typeof OP_RECORDS)[N]['use'] extends 'request' ? N : never }[OpCodeName];
/** The record a request of opcode `N` carries (undefined: none). */
export type RequestOf<N extends OpCodeName> = (typeof OP_RECORDS)[N]['request'] extends Codec<infer T> ? T : undefined;
/** The record a reply to opcode `N` carries when err is 0 (undefined: none). */
export type ResponseOf<N extends OpCodeName> = (typeof OP_RECORDS)[N]['response'] extends Codec<infer T> ? T : undefined;

const byCode: ReadonlyMap<number, OpRecords> = new Map(
  (Object.keys(OP_RECORDS) as OpCodeName[]).map((name) => [OpCode[name], OP_RECORDS[name] as OpRecords]),
);

/** The records of opcode `type`, or undefined for a number ZooDefs does not define. */
export function opRecords(type: number): OpRecords | undefined {
  return byCode.get(type);
}

// ---- multi / multiRead bodies ----
// A sequence of (MultiHeader, record) terminated by MultiHeader{type: -1, done: true, err: -1},
// in both directions.

const MAX_MULTI_OPS = 100_000;

export function readMultiRequest(r: JuteReader): MultiOp[] {
  const ops: MultiOp[] = [];
  for (;;) {
    const h = R.MultiHeader.read(r);
    if (h.done) return ops;
    const rec = byCode.get(h.type);
    if (!rec?.inMulti || !rec.request) throw new JuteDecodeError(`op type ${h.type} is not allowed in multi`);
    ops.push({ type: h.type, request: rec.request.read(r) });
    if (ops.length > MAX_MULTI_OPS) throw new JuteDecodeError('too many ops in multi');
  }
}

export function writeMultiRequest(w: JuteWriter, ops: MultiOp[]): void {
  for (const op of ops) {
    const rec = byCode.get(op.type);
    if (!rec?.inMulti || !rec.request) throw new Error(`op type ${op.type} is not allowed in multi`);
    R.MultiHeader.write(w, { type: op.type, done: false, err: -1 });
    rec.request.write(w, op.request);
  }
  R.MultiHeader.write(w, { type: -1, done: true, err: -1 });
}

export function writeMultiResponse(w: JuteWriter, results: MultiResult[]): void {
  for (const res of results) {
    const codec = byCode.get(res.type)?.multiResult;
    if (codec === undefined) throw new Error(`no multi result codec for type ${res.type}`);
    R.MultiHeader.write(w, { type: res.type, done: false, err: res.err });
    if (codec) codec.write(w, res.type === OpCode.error ? { err: res.err } : res.body);
  }
  R.MultiHeader.write(w, { type: -1, done: true, err: -1 });
}

export function readMultiResponse(r: JuteReader): MultiResult[] {
  const results: MultiResult[] = [];
  for (;;) {
    const h = R.MultiHeader.read(r);
    if (h.done) return results;
    const codec = byCode.get(h.type)?.multiResult;
    if (codec === undefined) throw new JuteDecodeError(`unknown multi result type ${h.type}`);
    const body = codec ? codec.read(r) : undefined;
    results.push({ type: h.type, err: h.type === OpCode.error ? body.err : h.err, body });
    if (results.length > MAX_MULTI_OPS) throw new JuteDecodeError('too many results in multi');
  }
}
