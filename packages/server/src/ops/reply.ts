import { ErrorCode, OP_RECORDS, type Codec, type JuteWriter, type ResponseOf } from '@zab/jute';

/** A reply body: the error code for ReplyHeader.err and, when OK, how to write the body. */
export interface Reply {
  err: number;
  body?: (w: JuteWriter) => void;
}

/** An OK reply whose body is `value`, written with `codec`. */
export function reply<T>(codec: Codec<T>, value: T): Reply {
  return { err: ErrorCode.OK, body: (w) => codec.write(w, value) };
}

/** An OK reply to opcode `op`: its body is `value`, in the response record jute's opcode table names for it. */
export function replyTo<N extends keyof typeof OP_RECORDS>(op: N, value: ResponseOf<N>): Reply {
  return reply(OP_RECORDS[op].response as Codec<ResponseOf<N>>, value);
}

/** An OK reply with no body. */
export const OK: Reply = { err: ErrorCode.OK };

/** A reply that carries only an error code. */
export const fail = (err: number): Reply => ({ err });
