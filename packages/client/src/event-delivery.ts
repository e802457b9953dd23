import type { EventEmitter } from 'node:events';
import { EventType, KeeperState, type WatcherEvent } from '@zab/jute';
import { toClientPath } from './connect-string.js';
import type { ClientState } from './options.js';
import type { Watcher, WatchRegistry } from './watches.js';

/** Why a connection to one server ended, for the 'connectionError' event. */
export interface ConnectionErrorEvent {
  host: string;
  port: number;
  /** The socket's error (ECONNREFUSED, ECONNRESET, ...) or the timeout that gave up on the server. */
  cause: Error;
}

/**
 * Event delivery, the Java client's EventThread: the session's state changes and the server's
 * watch events reach the application here, in the order the connection loop saw them. Events
 * are delivered in the turn their frame arrives, before the next frame is read, so a watcher
 * always runs before the reply to any request sent after the event's change; a watcher that
 * throws does not stop the others.
 *
 * Emits on `emitter` (the client): 'state' (ClientState) and the state's own name on every
 * change; 'notification' with each watch event (client paths) before its watchers run;
 * 'connectionError' (ConnectionErrorEvent) and 'protocolError' (Error) when a connection to a
 * server ends badly: the connection loop moves on to the next server either way.
 */
export class EventDelivery {
  private current: ClientState = 'connecting';

  constructor(
    private readonly emitter: EventEmitter,
    private readonly watches: WatchRegistry,
    private readonly chroot: string,
  ) {}

  get state(): ClientState {
    return this.current;
  }

  setState(s: ClientState): void {
    if (this.current === s) return;
    this.current = s;
    this.emitter.emit('state', s);
    this.emitter.emit(s);
  }

  /** A watch event as the server sent it (server path): to 'notification', then its watchers. */
  deliverWatchEvent(ev: WatcherEvent): void {
    const event = { ...ev, path: toClientPath(this.chroot, ev.path) };
    this.emitter.emit('notification', event);
    const children = this.watches.takeChildWatchersUnderRecursive(event);
    for (const w of this.watches.take(event)) safeCall(w, event);
    if (children) {
      const changed = { type: EventType.NodeChildrenChanged, state: event.state, path: children.parent };
      for (const w of children.watchers) safeCall(w, changed);
    }
  }

  /** The session expired: every watcher hears it once, then they are all forgotten. */
  deliverExpiry(): void {
    const ev = { type: EventType.None, state: KeeperState.Expired, path: '' };
    for (const w of this.watches.all()) safeCall(w, ev);
    this.watches.clear();
  }

  connectionError(e: ConnectionErrorEvent): void {
    this.emitter.emit('connectionError', e);
  }

  protocolError(e: unknown): void {
    this.emitter.emit('protocolError', e);
  }
}

function safeCall(w: Watcher, e: WatcherEvent): void {
  try {
    w(e);
  } catch {
    // a watcher's own failure is not the client's
  }
}
