/**
 * A broken invariant of the quorum core: a programmer error, in the core or in the host that
 * drives it. Assertions stay on in production, as TigerBeetle's do: a member that would
 * replicate a wrong history must stop instead.
 */
export class QuorumAssertionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'QuorumAssertionError';
  }
}

/**
 * Throws QuorumAssertionError unless `cond` holds. `message` may be a function, so the hot
 * paths (every proposal, every commit) build no string unless the assertion fails.
 */
export function assert(cond: unknown, message: string | (() => string)): asserts cond {
  if (!cond) throw new QuorumAssertionError(typeof message === 'string' ? message : message());
}
