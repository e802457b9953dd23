import { copyFile, readdir, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { MigratedState } from './migration.js';

/**
 * Where zab keeps its data under the directories a zoo.cfg names (@zab/storage's layout):
 * `<dataDir>/zab-data` (snapshots, epochs; the txn log too when dataLogDir is the same) and
 * `<dataLogDir>/zab-log`.
 */
export function zabDataDirs(dataDir: string, dataLogDir: string): string[] {
  const dirs = [join(resolve(dataDir), 'zab-data')];
  if (resolve(dataLogDir) !== resolve(dataDir)) dirs.push(join(resolve(dataLogDir), 'zab-log'));
  return dirs;
}

/** The zab data directories that exist and hold anything. */
export async function existingZabData(dataDir: string, dataLogDir: string): Promise<string[]> {
  const found: string[] = [];
  for (const dir of zabDataDirs(dataDir, dataLogDir)) {
    try {
      if ((await readdir(dir)).length > 0) found.push(dir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
  }
  return found;
}

/** Removes zab data directories this run created (after a failed write), leaving nothing half-made. */
export async function removeDirs(dirs: string[]): Promise<void> {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
}

/**
 * Copies `<from>/myid` to `<to>/myid` when `to` has none, so an ensemble member keeps its id.
 * Returns what it did, for the report.
 */
export async function carryMyId(from: string, to: string): Promise<MigratedState['myid']> {
  const target = join(to, 'myid');
  if (await exists(target)) return 'kept';
  if (!(await exists(join(from, 'myid')))) return 'none';
  await copyFile(join(from, 'myid'), target);
  return 'copied';
}

async function exists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw e;
  }
}
