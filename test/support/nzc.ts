// node-zookeeper-client (the most used Node client, pure JavaScript) as promises, and a writer
// that retries through lost connections and records which creates were acknowledged.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
export const zk = require('node-zookeeper-client');

export type NzcClient = any;

export const call = <T = any>(f: (cb: (err: any, ...r: any[]) => void) => void): Promise<T> =>
  new Promise((resolve, reject) => f((err, ...r) => (err ? reject(err) : resolve((r.length <= 1 ? r[0] : r) as T))));

/** A connected client of `hosts` ("127.0.0.1:p1,127.0.0.1:p2"). */
export async function connectNzc(hosts: string, sessionTimeout = 30_000, deadlineMs = 90_000): Promise<NzcClient> {
  const c = zk.createClient(hosts, { sessionTimeout, spinDelay: 200, retries: 0 });
  const connected = new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no connection to ${hosts} within ${deadlineMs} ms`)), deadlineMs);
    c.once('connected', () => {
      clearTimeout(t);
      resolve();
    });
  });
  c.connect();
  await connected.catch((e) => {
    c.close();
    throw e;
  });
  return c;
}

const codeOf = (e: any): number => (e?.getCode ? e.getCode() : -999);

/**
 * Creates `paths` in order, each holding its own path as data, retrying a create that fails
 * with a lost connection until `deadline` (a retried create that finds the node already there
 * counts: its first attempt reached the server). Returns the paths acknowledged.
 */
export async function createAll(client: NzcClient, paths: string[], deadline: number, inFlight = 8): Promise<string[]> {
  const acked: string[] = [];
  let next = 0;
  const worker = async () => {
    while (next < paths.length) {
      const p = paths[next++];
      for (;;) {
        try {
          await call((cb) => client.create(p, Buffer.from(p), cb));
          acked.push(p);
          break;
        } catch (e) {
          const code = codeOf(e);
          if (code === zk.Exception.NODE_EXISTS) {
            acked.push(p);
            break;
          }
          const transient = code === zk.Exception.CONNECTION_LOSS || code === zk.Exception.OPERATION_TIMEOUT;
          if (!transient || Date.now() > deadline) throw new Error(`create ${p}: ${(e as Error).message}`, { cause: e });
          await new Promise((r) => setTimeout(r, 100)); // back off before retrying
        }
      }
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  return acked;
}

/** The children of `path` as a sorted list. */
export async function childrenOf(client: NzcClient, path: string): Promise<string[]> {
  const [children] = await call<[string[], any]>((cb) => client.getChildren(path, cb));
  return [...children].sort();
}
