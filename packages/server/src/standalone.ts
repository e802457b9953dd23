import { hex64 } from '@zab/jute';
import { memoryStorage, openStorage, type Storage } from '@zab/storage';
import type { Logger } from 'pino';
import { openClientPorts, type ClientListen, type OpenClientPorts } from './net/client-ports.js';
import { GroupCommitLog } from './persistence/group-commit-log.js';
import { Purger } from './persistence/purger.js';
import { recover, type RecoveredState } from './persistence/recovery.js';
import { Snapshotter } from './persistence/snapshotter.js';
import { STANDALONE_LOG, StandaloneWritePath } from './pipeline/standalone-path.js';
import { ZkServer, type ServerSettings } from './zk-server.js';

/** A running standalone server: the core, its client port and its storage. */
export interface StandaloneHandle {
  server: ZkServer;
  address: { port: number; host: string };
  /** secureClientPort's address, when configured. */
  secureAddress?: { port: number; host: string };
  stop(): Promise<void>;
}

/** Where and how a server keeps its data. */
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
 * the log append that holds it is fsynced. Without `persistence` the log and tree live in
 * memory (unit tests only).
 */
export async function startStandalone(
  settings: ServerSettings,
  listen: ClientListen,
  persistence: PersistenceSettings | undefined,
  log: Logger,
  onFatal: (err: unknown) => void = (err) => {
    log.fatal({ err: (err as Error).message }, 'txn log write failed; stopping so that nothing unlogged is ever acknowledged');
    process.exit(1);
  },
): Promise<StandaloneHandle> {
  const storage: Storage = persistence
    ? await openStorage({ dataDir: persistence.dataDir, dataLogDir: persistence.dataLogDir, warn: (msg, fields) => log.warn(fields ?? {}, msg) })
    : memoryStorage();
  let member: StandaloneMember;
  try {
    member = new StandaloneMember(storage, await recover(storage, settings.extendedTypesEnabled, log), settings, persistence, log, onFatal);
  } catch (e) {
    await storage.close();
    throw e;
  }
  let ports: OpenClientPorts;
  try {
    ports = await openClientPorts(member.server, listen);
  } catch (e) {
    await member.stop();
    throw e;
  }
  const { address, secureAddress } = ports;
  member.server.start();
  log.info({ clientPort: address.port, host: address.host, secureClientPort: secureAddress?.port, zxid: hex64(member.server.lastZxid()) }, 'zab standalone server serving');
  return {
    server: member.server,
    address,
    secureAddress,
    async stop() {
      await ports.close();
      await member.stop();
    },
  };
}

/** The parts of a standalone server over its storage, built in the order each needs the one before. */
class StandaloneMember {
  readonly server: ZkServer;
  private readonly log: GroupCommitLog;
  private readonly snapshotter: Snapshotter | undefined;
  private readonly purger: Purger | undefined;

  constructor(
    private readonly storage: Storage,
    recovered: RecoveredState,
    settings: ServerSettings,
    persistence: PersistenceSettings | undefined,
    logger: Logger,
    onFatal: (err: unknown) => void,
  ) {
    const snapshotter = persistence && new Snapshotter(storage.snapshots, () => this.server.tree, () => this.server.sessionTimeouts, persistence.snapCount, logger);
    this.snapshotter = snapshotter || undefined;
    this.server = new ZkServer(settings, logger, { recovered, onApplied: snapshotter ? () => snapshotter.txnApplied() : undefined });
    const server = this.server;
    this.log = new GroupCommitLog(
      storage.log,
      STANDALONE_LOG,
      server.clock,
      (batch) => StandaloneWritePath.commitBatch(server, batch),
      onFatal,
      (ms, txns) => server.recordLogSync(ms, txns),
    );
    server.setWritePath(new StandaloneWritePath(server, this.log));
    if (persistence) {
      this.purger = new Purger(storage, persistence.autopurgeSnapRetainCount, logger);
      this.purger.start(persistence.autopurgePurgeIntervalHours);
    }
  }

  /** Stops serving, commits what the log holds, then closes storage. */
  async stop(): Promise<void> {
    await this.server.stop();
    await this.log.idle();
    this.purger?.stop();
    await this.snapshotter?.close();
    await this.storage.close();
  }
}
