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

/** Parses a connect string; throws with a message naming the bad part. */
export function parseConnectString(s: string): ConnectString {
  const slash = s.indexOf('/');
  const hostPart = slash >= 0 ? s.slice(0, slash) : s;
  let chroot = slash >= 0 ? s.slice(slash) : '';
  if (chroot === '/') chroot = '';
  if (chroot.endsWith('/')) throw new Error(`connect string ${JSON.stringify(s)}: the chroot must not end with /`);
  const hosts = hostPart
    .split(',')
    .map((h) => h.trim())
    .filter((h) => h.length > 0)
    .map((h) => {
      const bracket = /^\[([^\]]+)\](?::(\d+))?$/.exec(h); // [ipv6]:port
      const m = bracket ?? /^([^:]+)(?::(\d+))?$/.exec(h);
      if (!m) throw new Error(`connect string ${JSON.stringify(s)}: bad host ${JSON.stringify(h)}`);
      const port = m[2] ? Number(m[2]) : 2181;
      if (!(port > 0 && port < 65536)) throw new Error(`connect string ${JSON.stringify(s)}: bad port in ${JSON.stringify(h)}`);
      return { host: m[1]!, port };
    });
  if (hosts.length === 0) throw new Error(`connect string ${JSON.stringify(s)} names no server`);
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
