// The --server connect string, `host:port[,host:port...][/chroot]`. The client parses it again to
// connect; the CLI parses it first to refuse a malformed one as a usage error (exit 2, not 3) and
// to know where to send four-letter words, which open raw connections of their own.
import { UsageError } from './errors.js';

export const DEFAULT_PORT = 2181;

export interface ServerAddress {
  host: string;
  port: number;
}

export interface ServerList {
  servers: ServerAddress[];
  /** '' when there is no chroot; otherwise an absolute path without a trailing slash. */
  chroot: string;
}

function parseAddress(text: string): ServerAddress {
  // [v6]:port, host:port, or a bare host (default port).
  const m = /^\[([^\]]+)\](?::(\d+))?$/.exec(text) ?? /^([^:[\]]+)(?::(\d+))?$/.exec(text);
  if (!m) throw new UsageError(`bad server address "${text}" (want host:port)`);
  const port = m[2] === undefined ? DEFAULT_PORT : Number(m[2]);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new UsageError(`bad port in server address "${text}"`);
  return { host: m[1]!, port };
}

export function parseServerList(text: string): ServerList {
  const slash = text.indexOf('/');
  const hosts = slash === -1 ? text : text.slice(0, slash);
  let chroot = slash === -1 ? '' : text.slice(slash);
  if (chroot === '/') chroot = '';
  if (chroot.endsWith('/') || chroot.includes('//')) throw new UsageError(`bad chroot "${chroot}" in --server`);
  const servers = hosts
    .split(',')
    .filter((h) => h !== '')
    .map(parseAddress);
  if (servers.length === 0) throw new UsageError(`no servers in --server "${text}"`);
  return { servers, chroot };
}

export function formatAddress(a: ServerAddress): string {
  return a.host.includes(':') ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`;
}
