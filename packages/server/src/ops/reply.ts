import { ErrorCode, type Codec, type JuteWriter } from '@zab/jute';

/** A reply body: the error code for ReplyHeader.err and, when OK, how to write the body. */
export interface Reply {
  err: number;
  body?: (w: JuteWriter) => void;
}

/** An OK reply whose body is `value`, written with `codec`. */
export function reply<T>(codec: Codec<T>, value: T): Reply {
  return { err: ErrorCode.OK, body: (w) => codec.write(w, value) };
}

/** An OK reply with no body. */
export const OK: Reply = { err: ErrorCode.OK };

/** A reply that carries only an error code. */
export const fail = (err: number): Reply => ({ err });
