import { randomInt } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { hex64 } from '@zab/jute';
import { TcpTransport, peersOf, type PeerSockets } from '@zab/quorum';
import { openStorage } from '@zab/storage';
import type { Logger } from 'pino';
import { systemClock } from '../clock.js';
import type { DynamicConfigFiles } from '../config/dynamic-files.js';
import { openClientPorts, type ClientListen, type OpenClientPorts } from '../net/client-ports.js';
import { Purger } from '../persistence/purger.js';
import { recover, type RecoveredState } from '../persistence/recovery.js';
import type { Storage } from '@zab/storage';
import type { PersistenceSettings } from '../standalone.js';
import type { ServerSettings, ZkServer } from '../zk-server.js';
import { COMMITTED_LOG_MAX, COMMITTED_LOG_MAX_BYTES, EnsembleNode, startConfiguration, type EnsembleNodeParts, type EnsembleSettings } from './ensemble-node.js';
import { ClientAddressFollower } from '../net/client-address.js';
import { TailWindow } from './tail-window.js';
import type { TxnPayload } from './txn-payload.js';

/** A running ensemble member with its client port. */
export interface EnsembleHandle {
  node: EnsembleNode;
  server: ZkServer;
  address: { port: number; host: string };
  /** secureClientPort's address, when configured. */
  secureAddress?: { port: number; host: string };
  stop(): Promise<void>;
}

/**
 * A member's state from its storage, as EnsembleNode starts from it: the replayed tree, the
 * epochs, and the last txns of the log (those `window` keeps: the window a leader keeps for
 * DIFF), collected as recovery replays them. A member process and the member simulator
 * (@zab/member-sim) both recover so.
 */
export async function recoverMember(
  storage: Storage,
  extendedTypesEnabled: boolean,
  log: Logger,
  window: TailWindow,
): Promise<{ recovered: RecoveredState; init: EnsembleNodeParts['init'] }> {
  const recovered = await recover(storage, extendedTypesEnabled, log, (t, lastZxid) => window.push(t, lastZxid));
  const epochs = await storage.epochs.readEpochs();
  return { recovered, init: { ...epochs, ...window.finish(recovered.snapshotZxid) } };
}

/**
 * Starts an ensemble member on real parts: opens (and locks) the data directory in LevelDB,
 * recovers, binds the quorum and election ports (TCP), starts looking for a leader, and opens
 * the client port (which refuses clients until this member serves).
 */
export async function startEnsembleMember(
  settings: EnsembleSettings,
  serverSettings: ServerSettings,
  listen: ClientListen,
  persistence: PersistenceSettings,
  log: Logger,
  onFatal: (err: unknown) => void,
  /** How peer connections are opened and taken: TLS with sslQuorum/portUnification (ensemble/peer-tls), else plain TCP. */
  peerSockets?: PeerSockets,
  configFiles?: DynamicConfigFiles,
): Promise<EnsembleHandle> {
  const clientAddress = new ClientAddressFollower(settings.myId, startConfiguration(settings), log);
  const openAtMs = performance.now();
  const storage = await openStorage({ dataDir: persistence.dataDir, dataLogDir: persistence.dataLogDir, warn: (msg, fields) => log.warn(fields ?? {}, msg) });
  // Since the process started (performance.now()'s origin): how long node, the modules and
  // the storage took before recovery, wall and this process's CPU and page faults (see
  // RecoveryPhase.minorFaults), for a restart's timeline.
  const cpu = process.cpuUsage();
  log.info(
    { openMs: Math.round(performance.now() - openAtMs), sinceStartMs: Math.round(performance.now()), cpuSinceStartMs: Math.round((cpu.user + cpu.system) / 1000), minorFaults: process.resourceUsage().minorPageFault },
    'storage opened',
  );
  let node: EnsembleNode;
  let purger: Purger;
  try {
    const { recovered, init } = await recoverMember(storage, serverSettings.extendedTypesEnabled, log, new TailWindow(COMMITTED_LOG_MAX, COMMITTED_LOG_MAX_BYTES));
    const start = startConfiguration(settings);
    const peers = peersOf([start, ...(settings.proposedConfig ? [settings.proposedConfig] : [])]);
    node = new EnsembleNode({
      settings,
      serverSettings,
      storage,
      recovered,
      init,
      snapCount: persistence.snapCount,
      clock: systemClock,
      transport: (events) => new TcpTransport<TxnPayload>(settings.myId, peers, events, settings.bindHost, peerSockets),
      linkSeed: randomInt(0x3fffffff),
      log,
      onFatal,
      saveConfig: async (active, proposed) => {
        await configFiles?.save(active, proposed);
        await clientAddress.follow(active);
      },
    });
    await node.listen();
    purger = new Purger(storage, persistence.autopurgeSnapRetainCount, log);
    purger.start(persistence.autopurgePurgeIntervalHours);
    node.start();
    log.info(
      { myId: settings.myId, zxid: hex64(recovered.tree.lastProcessedZxid), acceptedEpoch: String(init.acceptedEpoch), currentEpoch: String(init.currentEpoch) },
      'ensemble member started; looking for a leader',
    );
  } catch (e) {
    await storage.close();
    throw e;
  }
  const stop = async () => {
    await node.stop();
    purger.stop();
    await storage.close();
  };
  let ports: OpenClientPorts;
  try {
    ports = await openClientPorts(node.server, listen);
  } catch (e) {
    await stop();
    throw e;
  }
  await clientAddress.opened(ports);
  return {
    node,
    server: node.server,
    get address() {
      return ports.address;
    },
    secureAddress: ports.secureAddress,
    async stop() {
      await ports.close();
      await stop();
    },
  };
}
