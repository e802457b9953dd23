/** One server of a connect string. */
export interface HostPort {
  host: string;
  port: number;
}

/** A parsed connect string: `h1:2181,h2:2181/chroot`. */
export interface ConnectString {
  hosts: HostPort[];
  /** '' or a path like '/app' that every path is relative to. */
  chroot: string;
}

/** The port of a server named without one. */
export const DEFAULT_CLIENT_PORT = 2181;

/** A connect string that cannot be used; the message names the bad part. */
export class ConnectStringError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConnectStringError';
  }
}

/** One `host`, `host:port` or `[ipv6]:port` of a connect string. */
function parseHostPort(text: string): HostPort {
  const m = /^\[([^\]]+)\](?::(\d+))?$/.exec(text) ?? /^([^:[\]]+)(?::(\d+))?$/.exec(text);
  if (!m) throw new ConnectStringError(`bad server address "${text}" (want host:port)`);
  const port = m[2] === undefined ? DEFAULT_CLIENT_PORT : Number(m[2]);
  if (!(port >= 1 && port <= 65535)) throw new ConnectStringError(`bad port in server address "${text}"`);
  return { host: m[1]!, port };
}

/**
 * Parses a connect string, `host[:port][,host[:port]...][/chroot]`: the one parser the client
 * and zkcli share. Throws ConnectStringError naming the bad part.
 */
export function parseConnectString(s: string): ConnectString {
  const slash = s.indexOf('/');
  const hostPart = slash >= 0 ? s.slice(0, slash) : s;
  let chroot = slash >= 0 ? s.slice(slash) : '';
  if (chroot === '/') chroot = '';
  if (chroot.endsWith('/') || chroot.includes('//')) throw new ConnectStringError(`bad chroot "${chroot}": it must not end with / or hold an empty name`);
  const hosts = hostPart
    .split(',')
    .map((h) => h.trim())
    .filter((h) => h.length > 0)
    .map(parseHostPort);
  if (hosts.length === 0) throw new ConnectStringError(`no servers in "${s}"`);
  return { hosts, chroot };
}

/** The server-side path of a client path. */
export function toServerPath(chroot: string, path: string): string {
  if (!chroot) return path;
  return path === '/' ? chroot : chroot + path;
}

/** The client-side path of a server path (as in created paths and watch events). */
export function toClientPath(chroot: string, path: string): string {
  if (!chroot) return path;
  if (path === chroot) return '/';
  // '/apple' is not inside the chroot '/app'.
  return path.startsWith(`${chroot}/`) ? path.slice(chroot.length) : path;
}

/** Fisher-Yates: servers are tried in a random order, so clients spread over an ensemble. */
export function shuffled<T>(xs: readonly T[], random: () => number = Math.random): T[] {
  const out = xs.slice();
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}
