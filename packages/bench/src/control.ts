// The main thread's own session: it makes the run's root path and keys before the load, writes
// the watched znode during fan-out, and removes what the run made afterwards.
import { CreateMode, ErrorCode, KeeperError } from '@zab/jute';
import * as req from './requests.js';
import type { BenchSession, ReplyHandler } from './session.js';

/** Requests the control session keeps outstanding while it makes or removes many znodes. */
const CONTROL_IN_FLIGHT = 64;

/** One request as a promise of its error code. */
export function call(send: (done: ReplyHandler) => void): Promise<number> {
  return new Promise((resolve) => send((err) => resolve(err)));
}

/** Creates path and any missing parents (persistent, empty); an existing node is fine. */
export async function ensurePath(s: BenchSession, path: string): Promise<void> {
  const parts = path.split('/').filter(Boolean);
  for (let i = 1; i <= parts.length; i++) {
    const p = `/${parts.slice(0, i).join('/')}`;
    const err = await call((done) => req.create(s, p, Buffer.alloc(0), CreateMode.PERSISTENT, done));
    if (err !== ErrorCode.OK && err !== ErrorCode.NODEEXISTS) throw KeeperError.fromCode(err, p);
  }
}

/**
 * Runs `count` requests made by `send(i, done)`, CONTROL_IN_FLIGHT at a time. Rejects with the
 * first failure whose code is not in `tolerate`.
 */
export function pipelined(count: number, send: (i: number, done: ReplyHandler) => void, tolerate: number[] = []): Promise<void> {
  return new Promise((resolve, reject) => {
    let next = 0;
    let answered = 0;
    let failed = false;
    const one = () => {
      if (next >= count || failed) return;
      const i = next++;
      send(i, (err) => {
        answered++;
        if (err !== ErrorCode.OK && !tolerate.includes(err)) {
          failed = true;
          return reject(KeeperError.fromCode(err));
        }
        if (answered === count) return resolve();
        one();
      });
    };
    if (count === 0) return resolve();
    for (let k = 0; k < CONTROL_IN_FLIGHT; k++) one();
  });
}

/** Creates `${root}/k0` .. k{n-1} holding `value`. */
export function createKeys(s: BenchSession, paths: (i: number) => string, n: number, value: Buffer): Promise<void> {
  return pipelined(n, (i, done) => req.create(s, paths(i), value, CreateMode.PERSISTENT, done));
}

/** Deletes the given paths; ones already gone are fine. */
export function deletePaths(s: BenchSession, paths: (i: number) => string, n: number): Promise<void> {
  return pipelined(n, (i, done) => req.remove(s, paths(i), done), [ErrorCode.NONODE]);
}
