// Opens the CLI's session with @zab/client and adapts it to CliSession.
import { createClient, type ClientState, type ZooKeeperClient } from '@zab/client';
import { AddWatchMode } from '@zab/jute';
import { ConnectFailedError } from './errors.js';
import type { SessionSettings, SessionState } from './main.js';
import { securityOptions } from './security-options.js';
import type { CliSession } from './session.js';

/** Connects (over TLS, logging in with SASL, when the settings say so) within settings.connectTimeoutMs (else ConnectFailedError) and adds the --auth credentials. */
export async function openSession(settings: SessionSettings): Promise<CliSession> {
  const zk = createClient(settings.connectString, { sessionTimeoutMs: settings.sessionTimeoutMs, canBeReadOnly: settings.canBeReadOnly, ...(await securityOptions(settings.security)) });
  const onState = settings.onState;
  if (onState) zk.on('state', (s: ClientState) => onState(STATE_WORDS[s]));
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ConnectFailedError(settings.connectString, settings.connectTimeoutMs)), settings.connectTimeoutMs);
  });
  try {
    await Promise.race([zk.connected(), deadline]);
  } catch (e) {
    await zk.close();
    throw e instanceof ConnectFailedError ? e : new ConnectFailedError(settings.connectString, settings.connectTimeoutMs, { cause: e });
  } finally {
    clearTimeout(timer);
  }
  for (const [scheme, auth] of settings.auth) await zk.addAuth(scheme, Buffer.from(auth));
  return adapt(zk);
}

/** The client's states in the words of zkCli's prompt (ZooKeeper.States). */
const STATE_WORDS: Record<ClientState, SessionState> = {
  connecting: 'CONNECTING',
  connected: 'CONNECTED',
  readOnly: 'CONNECTEDREADONLY',
  disconnected: 'CONNECTING',
  expired: 'CLOSED',
  authFailed: 'AUTH_FAILED',
  closed: 'CLOSED',
};

function adapt(zk: ZooKeeperClient): CliSession {
  return {
    create: (path, data, opts) => zk.create(path, data, { mode: opts.mode, acl: opts.acl, ttlMs: opts.ttlMs }),
    exists: (path, watch) => zk.exists(path, { watch }),
    getData: (path, watch) => zk.getData(path, { watch }),
    getChildren: (path, watch) => zk.getChildren(path, { watch }),
    setData: (path, data, version) => zk.setData(path, data, version),
    delete: (path, version) => zk.delete(path, version),
    getACL: (path) => zk.getACL(path),
    setACL: (path, acl, version) => zk.setACL(path, acl, version),
    sync: (path) => zk.sync(path),
    getEphemerals: (prefix) => zk.getEphemerals(prefix),
    getAllChildrenNumber: (path) => zk.getAllChildrenNumber(path),
    whoAmI: () => zk.whoAmI(),
    addAuth: (scheme, auth) => zk.addAuth(scheme, auth),
    async addPersistentWatch(path, recursive, handler) {
      await zk.addWatch(path, recursive ? AddWatchMode.PERSISTENT_RECURSIVE : AddWatchMode.PERSISTENT, handler);
      return async () => {
        await zk.removeWatches(path, 4).catch(() => undefined);
      };
    },
    close: () => zk.close(),
  };
}
