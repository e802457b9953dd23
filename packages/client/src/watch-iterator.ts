import { EventType, KeeperState, type WatcherEvent } from '@zab/jute';
import type { Watcher } from './watches.js';

/** What watchEvents needs of the client: adding and removing the watch, and hearing it close. */
export interface WatchSource {
  addWatch(path: string, mode: number, watcher: Watcher): Promise<void>;
  removeWatches(path: string, kind: number, watcher?: Watcher): Promise<void>;
  on(event: 'closed', listener: () => void): unknown;
  off(event: 'closed', listener: () => void): unknown;
}

/**
 * The events of a persistent watch (AddWatchMode `mode`, WatchKind `kind`) as an async
 * iterator. Breaking out of the loop removes the watch; it ends when the session expires or
 * the client closes, and throws once the reader falls more than `maxBufferedEvents` behind
 * (the watch is removed then too).
 */
export function watchEvents(client: WatchSource, path: string, mode: number, kind: number, maxBufferedEvents: number): AsyncIterable<WatcherEvent> {
  return {
    [Symbol.asyncIterator]() {
      const buffered: WatcherEvent[] = [];
      let wake: (() => void) | null = null;
      let done = false;
      let failure: Error | null = null;
      const finish = () => {
        done = true;
        client.off('closed', finish);
        wake?.();
      };
      const watcher: Watcher = (e) => {
        if (done) return;
        if (e.type === EventType.None && e.state === KeeperState.Expired) return finish();
        if (buffered.length >= maxBufferedEvents) {
          failure = new Error(`watch ${path}: the reader fell ${buffered.length} events behind`);
          void client.removeWatches(path, kind, watcher).catch(() => undefined);
          return finish();
        }
        buffered.push(e);
        wake?.();
      };
      client.on('closed', finish);
      const added = client.addWatch(path, mode, watcher);
      added.catch(() => undefined);
      return {
        async next(): Promise<IteratorResult<WatcherEvent>> {
          await added;
          while (!buffered.length && !done) await new Promise<void>((r) => (wake = r));
          wake = null;
          const e = buffered.shift();
          if (e) return { value: e, done: false };
          if (failure) throw failure;
          return { value: undefined, done: true };
        },
        async return(): Promise<IteratorResult<WatcherEvent>> {
          finish();
          await added.catch(() => undefined);
          await client.removeWatches(path, kind, watcher).catch(() => undefined);
          return { value: undefined, done: true };
        },
      };
    },
  };
}
