import { open, rename, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * Replaces the file at `path` durably: `fill` writes a temporary file beside it, which is
 * synced, renamed over `path`, and the directory synced, so after a crash `path` holds either
 * its old contents or all of the new ones.
 */
export async function replaceFileDurably(path: string, fill: (file: FileHandle) => Promise<unknown>): Promise<void> {
  const tmp = `${path}.tmp`;
  const f = await open(tmp, 'w');
  try {
    await fill(f);
    await f.sync();
  } finally {
    await f.close();
  }
  await rename(tmp, path);
  const dir = await open(dirname(path), 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}
