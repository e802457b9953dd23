// Watch events as zkCli.sh prints them (WatchedEvent.toString) and as --json carries them.
import { EventType, KeeperState, type WatcherEvent } from '@zab/jute';

function reverse(table: Record<string, number>): Map<number, string> {
  return new Map(Object.entries(table).map(([k, v]) => [v, k]));
}
const TYPE_NAMES = reverse(EventType);
const STATE_NAMES = reverse(KeeperState);

/** Watcher.Event.EventType's name for a wire number. */
export function eventTypeName(type: number): string {
  return TYPE_NAMES.get(type) ?? `Unknown(${type})`;
}

/** Watcher.Event.KeeperState's name for a wire number. */
export function keeperStateName(state: number): string {
  return STATE_NAMES.get(state) ?? `Unknown(${state})`;
}

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
