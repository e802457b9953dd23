import { mkdir, readdir, writeFile, rename, open } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import pino from 'pino';
import { recover } from '@zab/server';
import { hex64 as hex } from '@zab/jute';
import { openStorage } from '@zab/storage';
import type { MigratedState, MigrationOptions } from './migration.js';
import { carryMyId, existingZabData } from './zab-data.js';
import { parseZkFileName, VERSION_DIR } from './zookeeper/data-dir.js';
import { MigrationRefusedError } from './zookeeper/errors.js';
import { writeZkSnapshot } from './zookeeper/snapshot-writer.js';

/** What to export where; the zab server the config describes must be stopped. */
export interface ExportOptions extends MigrationOptions {
  /** ZooKeeper's dataDir to write into (its version-2 subdirectory must hold no snapshot or log). */
  targetDir: string;
}

/** What an export wrote: the snapshot file, its zxid and size, the epochs and what became of myid. */
export interface ExportReport extends MigratedState {
  snapshot: string;
  zxid: bigint;
  bytes: number;
  digest: bigint;
}

/**
 * Writes a stopped zab server's state (its newest snapshot plus its log, recovered exactly as
 * the server recovers on start) as a ZooKeeper snapshot `<targetDir>/version-2/snapshot.<zxid>`
 * that ZooKeeper 3.6 to 3.9 loads, with the acceptedEpoch and currentEpoch files a quorum
 * member needs and, when the zab dataDir has one, myid. Refuses a target that already holds
 * ZooKeeper data (ZooKeeper would replay its logs over the snapshot). zab's LevelDB lock
 * refuses while the server runs (DataDirLockedError).
 */
export async function exportToZooKeeper(opts: ExportOptions): Promise<ExportReport> {
  const say = opts.say ?? (() => undefined);
  const { config } = opts;
  const targetDir = resolve(opts.targetDir);
  const versionDir = join(targetDir, VERSION_DIR);
  const present = (await readdirOrEmpty(versionDir)).filter((n) => parseZkFileName(n, 'snapshot') || parseZkFileName(n, 'log'));
  if (present.length) {
    throw new MigrationRefusedError(`${versionDir} already holds ZooKeeper data (${present.slice(0, 3).join(', ')}${present.length > 3 ? ', ...' : ''}); export writes only into an empty one`);
  }
  if (!(await existingZabData(config.dataDir, config.dataLogDir)).length) {
    throw new MigrationRefusedError(`no zab data in ${resolve(config.dataDir)} (the dataDir of the zoo.cfg given): nothing to export`);
  }
  const storage = await openStorage({ dataDir: config.dataDir, dataLogDir: config.dataLogDir });
  let state: Awaited<ReturnType<typeof recover>>;
  let epochs: { acceptedEpoch: bigint; currentEpoch: bigint };
  try {
    state = await recover(storage, config.extendedTypesEnabled, pino({ level: 'silent' }));
    epochs = await storage.epochs.readEpochs();
  } finally {
    await storage.close();
  }
  const zxid = state.tree.lastProcessedZxid;
  say(`zab state at ${hex(zxid)}: ${state.tree.nodeCount} znodes, ${state.sessions.size} sessions`);
  await mkdir(versionDir, { recursive: true });
  const file = join(versionDir, `snapshot.${BigInt.asUintN(64, zxid).toString(16)}`);
  const written = await writeZkSnapshot(file, state.tree, state.sessions, zxid);
  // QuorumPeer refuses a currentEpoch older than the last zxid's, or an acceptedEpoch below it.
  const currentEpoch = epochs.currentEpoch > zxid >> 32n ? epochs.currentEpoch : zxid >> 32n;
  const acceptedEpoch = epochs.acceptedEpoch > currentEpoch ? epochs.acceptedEpoch : currentEpoch;
  await writeEpochFile(versionDir, 'acceptedEpoch', acceptedEpoch);
  await writeEpochFile(versionDir, 'currentEpoch', currentEpoch);
  const myid = await carryMyId(config.dataDir, targetDir);
  say(`wrote ${file} (${written.bytes} bytes)`);
  return { snapshot: file, zxid, nodes: written.nodes, sessions: state.sessions.size, bytes: written.bytes, digest: written.digest, acceptedEpoch, currentEpoch, myid };
}

async function readdirOrEmpty(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
}

/** An epoch file as QuorumPeer.writeLongToFile writes it: the decimal number, replaced atomically. */
async function writeEpochFile(dir: string, name: 'acceptedEpoch' | 'currentEpoch', epoch: bigint): Promise<void> {
  const file = join(dir, name);
  await writeFile(`${file}.tmp`, epoch.toString());
  const fh = await open(`${file}.tmp`, 'r');
  await fh.sync();
  await fh.close();
  await rename(`${file}.tmp`, file);
}
