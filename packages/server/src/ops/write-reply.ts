import { ErrorCode, OpCode, type MultiResult } from '@zab/jute';
import type { TxnResult } from '../tree/txn.js';
import { OK, fail, replyTo, type Reply } from './reply.js';

/** The reply to a write, from the result of applying its txn. */
export function writeReply(type: number, res: TxnResult): Reply {
  if (type === OpCode.multi && res.multi) {
    const results: MultiResult[] = res.multi.map((sub) => multiResult(sub));
    return replyTo('multi', results);
  }
  if (res.err !== ErrorCode.OK) return fail(res.err);
  switch (type) {
    case OpCode.create:
      return replyTo('create', { path: res.path! });
    case OpCode.create2:
    case OpCode.createContainer:
    case OpCode.createTTL:
      return replyTo('create2', { path: res.path!, stat: res.stat! }); // the same record for all three
    case OpCode.setData:
      return replyTo('setData', { stat: res.stat! });
    case OpCode.setACL:
      return replyTo('setACL', { stat: res.stat! });
    default:
      return OK;
  }
}

function multiResult(sub: TxnResult): MultiResult {
  switch (sub.type) {
    case OpCode.create:
      return { type: OpCode.create, err: 0, body: { path: sub.path } };
    case OpCode.create2:
    case OpCode.createContainer:
    case OpCode.createTTL:
      return { type: OpCode.create2, err: 0, body: { path: sub.path, stat: sub.stat } };
    case OpCode.delete:
    case OpCode.deleteContainer:
      return { type: OpCode.delete, err: 0 };
    case OpCode.setData:
      return { type: OpCode.setData, err: 0, body: { stat: sub.stat } };
    case OpCode.check:
      return { type: OpCode.check, err: 0 };
    default:
      return { type: OpCode.error, err: sub.err };
  }
}
