import { openStorage, type Storage } from '@zab/storage';
import type { Logger } from 'pino';
import { hex64 } from '@zab/jute';
import { ClientPort } from './net/client-port.js';
import { LogCommitter } from './persistence/log-committer.js';
import { Purger } from './persistence/purger.js';
import { recover } from './persistence/recovery.js';
import { Snapshotter } from './persistence/snapshotter.js';
import { ZkServer, type ServerSettings } from './zk-server.js';

/** A running standalone server: the core, its client port and its storage. */
export interface StandaloneHandle {
  server: ZkServer;
  address: { port: number; host: string };
  stop(): Promise<void>;
}

/** Where and how a standalone server keeps its data. */
export interface PersistenceSettings {
  dataDir: string;
  dataLogDir: string;
  snapCount: number;
  autopurgeSnapRetainCount: number;
  autopurgePurgeIntervalHours: number;
}

/**
 * Starts a standalone server: opens (and locks) the data directory, rebuilds the tree
 * from the newest snapshot and the log, then serves. Every write is answered only after
 * the log append that holds it is fsynced. Without `persistence` the tree lives in memory
 * (unit tests only).
 */
export async function startStandalone(
  settings: ServerSettings,
  listen: { port: number; host: string; maxClientCnxns: number },
  persistence: PersistenceSettings | undefined,
  log: Logger,
  onFatal: (err: unknown) => void = (err) => {
    log.fatal({ err: (err as Error).message }, 'txn log write failed; stopping so that nothing unlogged is ever acknowledged');
    process.exit(1);
  },
): Promise<StandaloneHandle> {
  let storage: Storage | undefined;
  let server: ZkServer;
  let snapshotter: Snapshotter | undefined;
  let purger: Purger | undefined;
  if (persistence) {
    storage = await openStorage({ dataDir: persistence.dataDir, dataLogDir: persistence.dataLogDir, warn: (msg, fields) => log.warn(fields ?? {}, msg) });
    try {
      const recovered = await recover(storage, settings.extendedTypesEnabled, log);
      const store = storage;
      snapshotter = new Snapshotter(store.snapshots, () => server.tree, () => server.sessionTimeouts, persistence.snapCount, log);
      const snaps = snapshotter;
      server = new ZkServer(settings, log, {
        recovered,
        // `server` is assigned by the time the first append completes.
        committer: (onCommit) => new LogCommitter(store.log, onCommit, onFatal, { onSynced: (ms, txns) => server.recordLogSync(ms, txns) }),
        onApplied: () => snaps.txnApplied(),
      });
      purger = new Purger(store, persistence.autopurgeSnapRetainCount, log);
      purger.start(persistence.autopurgePurgeIntervalHours);
    } catch (e) {
      await storage.close();
      throw e;
    }
  } else {
    server = new ZkServer(settings, log);
  }
  const port = new ClientPort(server, listen.maxClientCnxns);
  let address: { port: number; host: string };
  try {
    address = await port.listen(listen.port, listen.host);
  } catch (e) {
    await storage?.close();
    throw e;
  }
  server.start();
  log.info({ clientPort: address.port, host: address.host, zxid: hex64(server.lastZxid()) }, 'zab standalone server serving');
  return {
    server,
    address,
    async stop() {
      await port.close().catch(() => undefined);
      await server.stop();
      purger?.stop();
      await snapshotter?.close();
      await storage?.close();
    },
  };
}
