/**
 * zxids: ZAB's transaction ids, exact 64-bit values (bigint, never a float). A zxid is
 * epoch << 32 | counter: the epoch of the leader that proposed the txn, and its place in
 * that epoch (counter 0 is the epoch's start, before its first txn). These helpers are the
 * one home of that layout for every package (storage, quorum, server); they do no I/O.
 */

/** The epoch half of a zxid. */
export const epochOf = (zxid: bigint): bigint => zxid >> 32n;

/** The counter half of a zxid. */
export const counterOf = (zxid: bigint): bigint => zxid & 0xffff_ffffn;

/** The zxid of `counter` in `epoch` (both non-negative; counter below 2^32). */
export const makeZxid = (epoch: bigint, counter: bigint): bigint => (epoch << 32n) | counter;

/**
 * Whether `next` may directly follow `prev` in a txn log with no txn missing between them:
 * the next counter in the same epoch, or the first txn (counter 0 or 1) of a later epoch
 * (epochs may pass with no txn at all).
 */
export function zxidFollows(prev: bigint, next: bigint): boolean {
  if (next === prev + 1n) return true;
  return epochOf(next) > epochOf(prev) && counterOf(next) <= 1n;
}

/** `0x`-prefixed unsigned hex of a 64-bit value, the way ZooKeeper prints zxids and session ids. */
export const hex64 = (value: bigint): string => '0x' + BigInt.asUintN(64, value).toString(16);
