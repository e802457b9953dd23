// Certificate reloading as ZooKeeper 3.8 does it (X509Util.enableCertFileReloading, turned on
// by client.certReload for the client port and sslQuorumReloadCertFiles between members;
// TlsSettings.reloadCertFiles says which): the directories holding the key store and the
// trust store are watched; when the store file is
// created or modified there (or events may have been lost), the TLS context is built again
// and used for every handshake from then on. Connections already open keep theirs. Deleting
// the file changes nothing. A store that cannot be read at that moment (a copy half written)
// keeps the previous context; the next change to the file tries again.

import { type FSWatcher, watch } from 'node:fs';
import path from 'node:path';
import type tls from 'node:tls';
import { createTlsContext, type TlsContext, type TlsRole } from './tls-context.js';
import type { TlsSettings } from './tls-settings.js';

/** Called after each reload, with the new context, or with the reason it failed. */
export interface TlsReloadEvents {
  onReload?(context: TlsContext): void;
  onError?(error: Error): void;
}

/** A TLS context that follows its store files. Owned by whoever started it, who must close()
 *  it to stop the watchers. `current` is always a complete, usable context. */
export class ReloadingTlsContext {
  private readonly watchers: FSWatcher[] = [];
  private readonly servers = new Set<tls.Server>();
  /** At most one reload runs; changes during it cause exactly one more. */
  private reloading: Promise<void> | undefined;
  private again = false;
  private closed = false;

  private constructor(
    private readonly settings: TlsSettings,
    private readonly role: TlsRole,
    private readonly events: TlsReloadEvents,
    private context: TlsContext,
  ) {}

  /** Builds the first context (errors propagate: a server must not start without one), then
   *  starts watching the store files. */
  static async start(settings: TlsSettings, role: TlsRole, events: TlsReloadEvents = {}): Promise<ReloadingTlsContext> {
    const self = new ReloadingTlsContext(settings, role, events, await createTlsContext(settings, role));
    for (const store of [settings.keyStore, settings.trustStore]) {
      if (store) self.watchFile(path.resolve(store.location));
    }
    return self;
  }

  get current(): TlsContext {
    return this.context;
  }

  /** Makes `server` use every reloaded context for its new handshakes. */
  attach(server: tls.Server): void {
    this.servers.add(server);
    server.once('close', () => this.servers.delete(server));
  }

  /** Builds the context again now; resolves when done (failures go to onError). */
  reload(): Promise<void> {
    if (this.reloading) {
      this.again = true;
      return this.reloading;
    }
    this.reloading = (async () => {
      do {
        this.again = false;
        try {
          const next = await createTlsContext(this.settings, this.role);
          if (this.closed) return;
          this.context = next;
          for (const server of this.servers) server.setSecureContext(next.secureContextOptions);
          this.events.onReload?.(next);
        } catch (err) {
          this.events.onError?.(err as Error);
        }
      } while (this.again && !this.closed);
    })().finally(() => {
      this.reloading = undefined;
    });
    return this.reloading;
  }

  close(): void {
    this.closed = true;
    for (const w of this.watchers) w.close();
    this.watchers.length = 0;
    this.servers.clear();
  }

  private watchFile(file: string): void {
    const dir = path.dirname(file);
    const name = path.basename(file);
    const watcher = watch(dir, { persistent: false }, (_event, changed) => {
      // No file name means the platform could not say which file changed: reload to be
      // sure, as ZooKeeper does on OVERFLOW.
      if (changed === null || changed === name) void this.reload();
    });
    watcher.on('error', (err) => this.events.onError?.(err));
    this.watchers.push(watcher);
  }
}
