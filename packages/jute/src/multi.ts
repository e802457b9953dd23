// multi / multiRead bodies: a sequence of (MultiHeader, op record) terminated by
// MultiHeader{type:-1, done:true, err:-1}, in both directions.
import type { Codec } from './codec.js';
import { OpCode } from './constants.js';
import { JuteDecodeError, type JuteReader } from './reader.js';
import {
  CheckVersionRequest,
  Create2Response,
  CreateRequest,
  CreateResponse,
  CreateTTLRequest,
  DeleteRequest,
  ErrorResponse,
  GetChildrenResponse,
  GetDataResponse,
  MultiHeader,
  PathWatchRequest,
  SetDataRequest,
  SetDataResponse,
} from './records.js';
import type { JuteWriter } from './writer.js';

/** Request records allowed inside multi (writes) and multiRead (reads). */
const opCodecs = new Map<number, Codec<any>>([
  [OpCode.create, CreateRequest],
  [OpCode.create2, CreateRequest],
  [OpCode.createContainer, CreateRequest],
  [OpCode.createTTL, CreateTTLRequest],
  [OpCode.delete, DeleteRequest],
  [OpCode.setData, SetDataRequest],
  [OpCode.check, CheckVersionRequest],
  [OpCode.getChildren, PathWatchRequest],
  [OpCode.getData, PathWatchRequest],
]);

/** Result records by result type; delete and check results carry no body. */
const resultCodecs = new Map<number, Codec<any> | null>([
  [OpCode.create, CreateResponse],
  [OpCode.create2, Create2Response],
  [OpCode.delete, null],
  [OpCode.check, null],
  [OpCode.setData, SetDataResponse],
  [OpCode.getChildren, GetChildrenResponse],
  [OpCode.getData, GetDataResponse],
  [OpCode.error, ErrorResponse],
]);

/** One op of a multi request: its opcode and its decoded request record. */
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

const MAX_MULTI_OPS = 100_000;

export function readMultiRequest(r: JuteReader): MultiOp[] {
  const ops: MultiOp[] = [];
  for (;;) {
    const h = MultiHeader.read(r);
    if (h.done) return ops;
    const codec = opCodecs.get(h.type);
    if (!codec) throw new JuteDecodeError(`op type ${h.type} is not allowed in multi`);
    ops.push({ type: h.type, request: codec.read(r) });
    if (ops.length > MAX_MULTI_OPS) throw new JuteDecodeError('too many ops in multi');
  }
}

export function writeMultiRequest(w: JuteWriter, ops: MultiOp[]): void {
  for (const op of ops) {
    MultiHeader.write(w, { type: op.type, done: false, err: -1 });
    opCodecs.get(op.type)!.write(w, op.request);
  }
  MultiHeader.write(w, { type: -1, done: true, err: -1 });
}

export function writeMultiResponse(w: JuteWriter, results: MultiResult[]): void {
  for (const res of results) {
    MultiHeader.write(w, { type: res.type, done: false, err: res.err });
    const codec = resultCodecs.get(res.type);
    if (codec === undefined) throw new Error(`no multi result codec for type ${res.type}`);
    if (codec) codec.write(w, res.type === OpCode.error ? { err: res.err } : res.body);
  }
  MultiHeader.write(w, { type: -1, done: true, err: -1 });
}

export function readMultiResponse(r: JuteReader): MultiResult[] {
  const results: MultiResult[] = [];
  for (;;) {
    const h = MultiHeader.read(r);
    if (h.done) return results;
    const codec = resultCodecs.get(h.type);
    if (codec === undefined) throw new JuteDecodeError(`unknown multi result type ${h.type}`);
    const body = codec ? codec.read(r) : undefined;
    results.push({ type: h.type, err: h.type === OpCode.error ? body.err : h.err, body });
    if (results.length > MAX_MULTI_OPS) throw new JuteDecodeError('too many results in multi');
  }
}
