import { createReadStream } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createGunzip } from 'node:zlib';
import { ZkDataError } from './errors.js';
import { snappyStream } from './snappy.js';

/** ZooKeeper keeps its files in this subdirectory of dataDir and dataLogDir (FileTxnSnapLog.version + 2). */
export const VERSION_DIR = 'version-2';

/** How a snapshot file is compressed, from its name as ZooKeeper's SnapStream decides it. */
export type SnapshotCompression = 'none' | 'gz' | 'snappy';

/** One of ZooKeeper's snapshot or txn log files. */
export interface ZkFile {
  path: string;
  name: string;
  /** The zxid in the name: a snapshot's last applied zxid, a log's first txn. */
  zxid: bigint;
  compression: SnapshotCompression;
}

/** Parses `snapshot.<hex>[.gz|.snappy]` or `log.<hex>`, as Util.getZxidFromName does; null for other names. */
export function parseZkFileName(name: string, prefix: 'snapshot' | 'log'): { zxid: bigint; compression: SnapshotCompression } | null {
  const parts = name.split('.');
  if (parts[0] !== prefix || parts.length < 2 || !/^[0-9a-fA-F]{1,16}$/.test(parts[1]!)) return null;
  const ext = parts.length > 2 ? parts.at(-1)! : '';
  if (parts.length > 3 || (parts.length === 3 && (prefix === 'log' || (ext !== 'gz' && ext !== 'snappy')))) return null;
  return { zxid: BigInt(`0x${parts[1]}`), compression: ext === '' ? 'none' : (ext as SnapshotCompression) };
}

async function listFiles(dir: string, prefix: 'snapshot' | 'log'): Promise<ZkFile[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  return names.flatMap((name) => {
    const p = parseZkFileName(name, prefix);
    return p ? [{ path: join(dir, name), name, ...p }] : [];
  });
}

/** Snapshots in `<dataDir>/version-2`, newest first. */
export async function listSnapshots(dataDir: string): Promise<ZkFile[]> {
  return (await listFiles(join(dataDir, VERSION_DIR), 'snapshot')).sort((a, b) => (a.zxid < b.zxid ? 1 : a.zxid > b.zxid ? -1 : 0));
}

/** Txn logs in `<dataLogDir>/version-2`, oldest first. */
export async function listTxnLogs(dataLogDir: string): Promise<ZkFile[]> {
  return (await listFiles(join(dataLogDir, VERSION_DIR), 'log')).sort((a, b) => (a.zxid < b.zxid ? -1 : a.zxid > b.zxid ? 1 : 0));
}

/**
 * The logs that can hold txns after `zxid`: the last one starting at or below it (it may
 * run past it) and every later one, as FileTxnLog.getLogFiles picks them.
 */
export function logsAfter(logs: ZkFile[], zxid: bigint): ZkFile[] {
  let from = 0;
  for (let i = 0; i < logs.length; i++) if (logs[i]!.zxid <= zxid) from = i;
  return logs.slice(from);
}

/** The uncompressed bytes of a file, in chunks. */
export function openStream(file: ZkFile): AsyncIterable<Buffer> {
  const raw = createReadStream(file.path, { highWaterMark: 1024 * 1024 });
  if (file.compression === 'gz') return raw.pipe(createGunzip());
  if (file.compression === 'snappy') return snappyStream(raw);
  return raw;
}

/**
 * An epoch file ZooKeeper's QuorumPeer keeps beside its snapshots (`acceptedEpoch`,
 * `currentEpoch`: one decimal number), or null when there is none (a standalone server).
 */
export async function readEpochFile(dataDir: string, name: 'acceptedEpoch' | 'currentEpoch'): Promise<bigint | null> {
  const file = join(dataDir, VERSION_DIR, name);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
  const line = text.split('\n')[0]!.trim();
  if (!/^\d+$/.test(line)) throw new ZkDataError(file, 0, `expected an epoch (a decimal number), found ${JSON.stringify(line.slice(0, 40))}`);
  return BigInt(line);
}
