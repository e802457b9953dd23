/** zxid = epoch << 32 | counter: the epoch of the leader that proposed it, and its place in that epoch. */
export const epochOf = (zxid: bigint): bigint => zxid >> 32n;
export const counterOf = (zxid: bigint): bigint => zxid & 0xffffffffn;
export const makeZxid = (epoch: bigint, counter: bigint): bigint => (epoch << 32n) | counter;

export function hexZxid(zxid: bigint): string {
  return '0x' + zxid.toString(16);
}
