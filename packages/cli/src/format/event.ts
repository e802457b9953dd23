// Watch events as zkCli.sh prints them (WatchedEvent.toString) and as --json carries them.
import { EventType, KeeperState, namesOf, type WatcherEvent } from '@zab/jute';

/** Watcher.Event.EventType's name for a wire number, Unknown(n) for one it does not have. */
export const eventTypeName = namesOf(EventType, (type) => `Unknown(${type})`);

/** Watcher.Event.KeeperState's name for a wire number. */
export const keeperStateName = namesOf(KeeperState, (state) => `Unknown(${state})`);

/** `WatchedEvent state:SyncConnected type:NodeDataChanged path:/a`; session events have path null. */
export function eventLine(e: WatcherEvent): string {
  const path = e.path === '' ? 'null' : e.path;
  return `WatchedEvent state:${keeperStateName(e.state)} type:${eventTypeName(e.type)} path:${path}`;
}

export interface EventJson {
  type: string;
  state: string;
  path: string | null;
}

export function eventJson(e: WatcherEvent): EventJson {
  return { type: eventTypeName(e.type), state: keeperStateName(e.state), path: e.path === '' ? null : e.path };
}
