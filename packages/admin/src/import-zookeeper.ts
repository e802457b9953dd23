import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { hex64 as hex } from '@zab/jute';
import { openStorage } from '@zab/storage';
import type { MigratedState, MigrationOptions } from './migration.js';
import { rebuildFromZooKeeper } from './rebuild.js';
import { carryMyId, existingZabData, removeDirs, zabDataDirs } from './zab-data.js';
import { readEpochFile } from './zookeeper/data-dir.js';
import { MigrationRefusedError } from './zookeeper/errors.js';

/** Where to import from and into; both servers must be stopped. */
export interface ImportOptions extends MigrationOptions {
  /** ZooKeeper's dataDir (snapshots, and the logs unless zkDataLogDir says otherwise). */
  zkDataDir: string;
  zkDataLogDir?: string;
}

/** What an import read and wrote. */
export interface ImportReport extends MigratedState {
  snapshot: string | null;
  snapshotZxid: bigint;
  logs: string[];
  txnsReplayed: number;
  lastZxid: bigint;
  /** The digests ZooKeeper recorded that the imported tree was checked against, e.g. `snapshot 0x1a`. */
  digestsChecked: string[];
}

/**
 * Imports Apache ZooKeeper's data (3.4 to 3.9): the newest whole snapshot, then every logged txn
 * after it, into the tree, sessions and last zxid of a zab server, written as one zab
 * snapshot at that zxid with ZAB epochs, into the directories the zab zoo.cfg names.
 * Everything is read and checked (seals, record checksums, zxids without gaps, the tree
 * digests ZooKeeper recorded) before anything is written; any problem throws ZkDataError or
 * MigrationRefusedError and leaves the zab directories as they were. Refuses to write over
 * existing zab data.
 */
export async function importFromZooKeeper(opts: ImportOptions): Promise<ImportReport> {
  const say = opts.say ?? (() => undefined);
  const { config } = opts;
  const zkDataDir = resolve(opts.zkDataDir);
  const zkDataLogDir = resolve(opts.zkDataLogDir ?? opts.zkDataDir);
  const existing = await existingZabData(config.dataDir, config.dataLogDir);
  if (existing.length) {
    throw new MigrationRefusedError(`zab data already exists in ${existing.join(' and ')}; import writes only into an empty data directory (move it aside first)`);
  }
  const { tree, sessions, snapshot, snapshotZxid, logs: used, replayed, digestsChecked } = await rebuildFromZooKeeper(zkDataDir, zkDataLogDir, config.extendedTypesEnabled, say);
  const lastZxid = tree.lastProcessedZxid;
  say(`replayed ${replayed} txns up to ${hex(lastZxid)}; ${tree.nodeCount} znodes, ${sessions.size} sessions`);

  // ZAB needs epochs at least as new as the last zxid's, and acceptedEpoch >= currentEpoch.
  const lastEpoch = lastZxid >> 32n;
  const currentEpoch = max(await readEpochFile(zkDataDir, 'currentEpoch'), lastEpoch);
  const acceptedEpoch = max(await readEpochFile(zkDataDir, 'acceptedEpoch'), currentEpoch);

  const created = zabDataDirs(config.dataDir, config.dataLogDir);
  await mkdir(config.dataDir, { recursive: true });
  try {
    const storage = await openStorage({ dataDir: config.dataDir, dataLogDir: config.dataLogDir });
    try {
      // The meta is @zab/server's snapshot meta: session timeouts by id.
      await storage.snapshots.save(lastZxid, tree.snapshotBlocks(), { sessions: [...sessions] });
      await storage.epochs.writeAcceptedEpoch(acceptedEpoch);
      await storage.epochs.writeCurrentEpoch(currentEpoch);
    } finally {
      await storage.close();
    }
  } catch (e) {
    await removeDirs(created);
    throw e;
  }
  const myid = await carryMyId(zkDataDir, config.dataDir);
  say(`wrote a zab snapshot at ${hex(lastZxid)} to ${created.join(' and ')}`);
  return {
    snapshot: snapshot?.path ?? null,
    snapshotZxid,
    logs: used,
    txnsReplayed: replayed,
    lastZxid,
    nodes: tree.nodeCount,
    sessions: sessions.size,
    digestsChecked,
    acceptedEpoch,
    currentEpoch,
    myid,
  };
}

const max = (a: bigint | null, b: bigint): bigint => (a !== null && a > b ? a : b);

