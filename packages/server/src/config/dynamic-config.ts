import { configuration, type Configuration, type Member } from '@zab/quorum';
import { isIPv6 } from 'node:net';
import { ConfigError, parseProperties } from './properties.js';
import { parseServerSpec, type ServerSpec } from './server-spec.js';

/**
 * A configuration as text, in ZooKeeper's notation: one `server.N=...` line per member, in
 * ascending id (3.8's QuorumMaj prints them from a HashMap of small Long ids, which is the same
 * order). This is what `/zookeeper/config`, the reconfig reply and `zoo.cfg.dynamic.<version>`
 * hold, byte for byte as 3.8 writes them.
 */

/** A zoo.cfg `server.N` line's parts as a configuration member. */
export function memberOf(s: ServerSpec): Member {
  return { sid: s.id, role: s.role, host: s.host, quorumPort: s.quorumPort, electionPort: s.electionPort, clientHost: s.clientHost, clientPort: s.clientPort };
}

/** The configuration a set of `server.N` lines gives, at `version`. */
export function configurationOf(servers: readonly ServerSpec[], version: bigint): Configuration {
  return configuration(version, servers.map(memberOf));
}

/**
 * `server.N=host:quorumPort:electionPort:role;clientHost:clientPort`. A client port given
 * without a host is shown on the wildcard address, as 3.8 shows it (`;2181` becomes
 * `;0.0.0.0:2181`); an IPv6 host is bracketed.
 */
export function memberLine(m: Member): string {
  let line = `server.${m.sid}=${hostText(m.host)}:${m.quorumPort}:${m.electionPort}:${m.role}`;
  if (m.clientPort !== undefined) line += `;${hostText(m.clientHost ?? '0.0.0.0')}:${m.clientPort}`;
  return line;
}

function hostText(host: string): string {
  return isIPv6(host) ? `[${host}]` : host;
}

/** `/zookeeper/config`'s data: the member lines, then `version=<hex>` (no newline after it). */
export function configData(c: Configuration): Buffer {
  return Buffer.from([...c.members.map(memberLine), `version=${c.version.toString(16)}`].join('\n'), 'utf8');
}

/**
 * A `zoo.cfg.dynamic.<version>` file: the member lines only, the version being in its name.
 * 3.8 writes its dynamic files (QuorumPeerConfig.writeDynamicConfig) with the lines sorted as
 * strings, so `server.10` comes before `server.2` there, unlike in `/zookeeper/config`.
 */
export function dynamicFileText(c: Configuration): string {
  return c.members.map(memberLine).sort(byText).join('\n');
}

/** `zoo.cfg.dynamic.next`, a proposed configuration: its lines and `version=<hex>`, sorted as strings as 3.8 writes them (the version line last). */
export function nextFileText(c: Configuration): string {
  return [...c.members.map(memberLine), `version=${c.version.toString(16)}`].sort(byText).join('\n');
}

/** Java's String.compareTo: UTF-16 code units, as JavaScript compares strings. */
const byText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The `server.N` lines of a properties text (a dynamic file, `/zookeeper/config`'s data, a
 * reconfig's member list with commas turned into newlines). Other keys (`version`) are left
 * out. Throws ConfigError naming the bad line.
 */
export function parseServerLines(text: string, source: string): ServerSpec[] {
  const servers = new Map<number, ServerSpec>();
  for (const e of parseProperties(text, source)) {
    const m = /^server\.(\d+)$/.exec(e.key);
    if (!m) {
      if (e.key === 'version') continue;
      throw new ConfigError(`${e.where}: ${e.key} is not a server.N line`);
    }
    const id = Number(m[1]);
    if (servers.has(id)) throw new ConfigError(`${e.where}: server.${id} appears twice`);
    servers.set(id, parseServerSpec(e, id));
  }
  return [...servers.values()].sort((a, b) => a.id - b.id);
}

/** The configuration a reconfig txn carries: its data is the new `/zookeeper/config`, its version the txn's zxid. */
export function configFromData(data: Buffer | null, zxid: bigint): Configuration {
  return configurationOf(parseServerLines(data ? data.toString('utf8') : '', `reconfig txn 0x${zxid.toString(16)}`), zxid);
}

/** The version a dynamic file's name carries: `zoo.cfg.dynamic.100000000` is 0x100000000; null if it has none. */
export function versionOfDynamicFile(path: string): bigint | null {
  const m = /\.dynamic\.([0-9a-fA-F]+)$/.exec(path);
  return m ? BigInt('0x' + m[1]) : null;
}
