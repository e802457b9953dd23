// The --server connect string, `host:port[,host:port...][/chroot]`. The client parses it again to
// connect; the CLI parses it first to refuse a malformed one as a usage error (exit 2, not 3) and
// to know where to send four-letter words, which open raw connections of their own.
import { ConnectStringError, parseConnectString, type HostPort } from '@zab/client';
import { UsageError } from './errors.js';

export type ServerAddress = HostPort;

export interface ServerList {
  servers: ServerAddress[];
  /** '' when there is no chroot; otherwise an absolute path without a trailing slash. */
  chroot: string;
}

/** The connect string as the client will read it; a bad one is a usage error. */
export function parseServerList(text: string): ServerList {
  try {
    const { hosts, chroot } = parseConnectString(text);
    return { servers: hosts, chroot };
  } catch (e) {
    if (e instanceof ConnectStringError) throw new UsageError(e.message);
    throw e;
  }
}

export function formatAddress(a: ServerAddress): string {
  return a.host.includes(':') ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`;
}
