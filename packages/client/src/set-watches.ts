import type { SetWatches2 } from '@zab/jute';

/** ZooKeeper's client splits setWatches so that no frame carries more path characters than this. */
export const SET_WATCHES_MAX_PATH_CHARS = 128 * 1024;

/** The server paths of every watch a session holds, by kind. */
export interface WatchedPaths {
  data: string[];
  exist: string[];
  child: string[];
  persistent: string[];
  recursive: string[];
}

/**
 * The setWatches2 requests that re-register `paths` after a reconnect, split as ZooKeeper's
 * client splits them: each carries at most `maxPathChars` characters of paths (one longer
 * path goes alone). The server fires at once the one-time watches whose node changed after
 * `relativeZxid`. No paths, no requests.
 */
export function setWatchesRequests(paths: WatchedPaths, relativeZxid: bigint, maxPathChars = SET_WATCHES_MAX_PATH_CHARS): SetWatches2[] {
  const lists = [paths.data, paths.exist, paths.child, paths.persistent, paths.recursive];
  const out: SetWatches2[] = [];
  let batch = lists.map(() => [] as string[]);
  let chars = 0;
  const flush = () => {
    if (chars === 0) return;
    const [dataWatches, existWatches, childWatches, persistentWatches, persistentRecursiveWatches] = batch as [string[], string[], string[], string[], string[]];
    out.push({ relativeZxid, dataWatches, existWatches, childWatches, persistentWatches, persistentRecursiveWatches });
    batch = lists.map(() => []);
    chars = 0;
  };
  lists.forEach((list, kind) => {
    for (const path of list) {
      if (chars + path.length > maxPathChars) flush();
      batch[kind]!.push(path);
      chars += path.length;
    }
  });
  flush();
  return out;
}
