import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * zoo.cfg, read as Apache ZooKeeper 3.8 reads it (a Java properties file), parsed once into
 * a frozen ServerConfig that is passed down. Keys ZooKeeper knows but zab does not use are
 * accepted with a warning; keys nobody knows are accepted with a warning too (ZooKeeper
 * turns them into `zookeeper.<key>` system properties). A bad value stops start-up with a
 * ConfigError naming the file, the line, the setting and the value.
 */

/** One `server.N=` line. */
export interface ServerSpec {
  readonly id: number;
  readonly host: string;
  readonly quorumPort: number;
  readonly electionPort: number;
  readonly role: 'participant' | 'observer';
  readonly clientHost?: string;
  readonly clientPort?: number;
}

export interface ServerConfig {
  readonly tickTimeMs: number;
  readonly initLimitTicks: number;
  readonly syncLimitTicks: number;
  readonly dataDir: string;
  readonly dataLogDir: string;
  /** 0 when no client port is configured (only legal when server lines carry one). */
  readonly clientPort: number;
  readonly clientPortAddress: string;
  readonly maxClientCnxns: number;
  readonly minSessionTimeoutMs: number;
  readonly maxSessionTimeoutMs: number;
  readonly juteMaxBuffer: number;
  readonly globalOutstandingLimit: number;
  readonly snapCount: number;
  readonly autopurgeSnapRetainCount: number;
  readonly autopurgePurgeIntervalHours: number;
  /** Four-letter words allowed on the client port; '*' allows all. */
  readonly fourLetterWordWhitelist: ReadonlySet<string> | '*';
  /** `super:<base64 sha1>` from DigestAuthenticationProvider.superDigest. */
  readonly superDigest?: string;
  readonly extendedTypesEnabled: boolean;
  readonly skipACL: boolean;
  readonly forceSync: boolean;
  /** A txn log fsync slower than this is logged and counted (fsync.warningthresholdms). */
  readonly fsyncWarningThresholdMs: number;
  readonly reconfigEnabled: boolean;
  readonly standaloneEnabled: boolean;
  readonly containerCheckIntervalMs: number;
  readonly adminServerPort: number;
  readonly adminEnableServer: boolean;
  readonly adminServerAddress: string;
  /**
   * admin.authDigests: the console users allowed to change data, as digest ids
   * (user:base64(sha1(user:password))); empty leaves the console read-only.
   */
  readonly adminAuthDigests: readonly string[];
  /** admin.url.N: where member N's admin server answers, for the console (default: its server.N host, this member's admin port). */
  readonly adminUrls: ReadonlyMap<number, string>;
  /** Prometheus /metrics port when metricsProvider.className names the Prometheus provider, else null. */
  readonly metricsHttpPort: number | null;
  readonly metricsHttpHost: string;
  readonly peerType: 'participant' | 'observer';
  /** Bind the quorum and election ports on every address, not just this server's host. */
  readonly quorumListenOnAllIPs: boolean;
  readonly servers: readonly ServerSpec[];
}

/** A setting that stops start-up; the message names where and what. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** A raw key/value with where it came from (file:line, or a flag). */
interface Entry {
  key: string;
  value: string;
  where: string;
}

/**
 * Parses Java-properties text: `#`/`!` comments, `key=value`, `key: value` or
 * `key value`, continuation lines ending in an odd number of backslashes, and the usual
 * escapes. Later duplicates win, as in java.util.Properties.
 */
export function parseProperties(text: string, source: string): Entry[] {
  const lines = text.split(/\r\n|\r|\n/);
  const out: Entry[] = [];
  for (let i = 0; i < lines.length; i++) {
    const first = i;
    let logical = lines[i]!.replace(/^[ \t\f]+/, '');
    if (logical === '' || logical[0] === '#' || logical[0] === '!') continue;
    while (endsWithOddBackslashes(logical) && i + 1 < lines.length) {
      logical = logical.slice(0, -1) + lines[++i]!.replace(/^[ \t\f]+/, '');
    }
    let k = 0;
    let key = '';
    while (k < logical.length) {
      const c = logical[k]!;
      if (c === '\\' && k + 1 < logical.length) {
        key += c + logical[k + 1];
        k += 2;
        continue;
      }
      if (c === '=' || c === ':' || c === ' ' || c === '\t' || c === '\f') break;
      key += c;
      k++;
    }
    let rest = logical.slice(k).replace(/^[ \t\f]+/, '');
    if (rest[0] === '=' || rest[0] === ':') rest = rest.slice(1).replace(/^[ \t\f]+/, '');
    out.push({ key: unescape(key), value: unescape(rest), where: `${source}:${first + 1}` });
  }
  return out;
}

function endsWithOddBackslashes(s: string): boolean {
  let n = 0;
  for (let i = s.length - 1; i >= 0 && s[i] === '\\'; i--) n++;
  return n % 2 === 1;
}

function unescape(s: string): string {
  return s.replace(/\\(u[0-9a-fA-F]{4}|.)/g, (_, e: string) => {
    if (e[0] === 'u' && e.length === 5) return String.fromCharCode(parseInt(e.slice(1), 16));
    return ({ t: '\t', n: '\n', r: '\r', f: '\f' } as Record<string, string>)[e] ?? e;
  });
}

// ---- value parsers: each throws a ConfigError naming the entry ----

function bad(e: Entry, what: string): never {
  throw new ConfigError(`${e.where}: ${e.key} ${what}, got "${e.value}"`);
}

function int(e: Entry, min = -0x80000000, max = 0x7fffffff): number {
  const v = e.value.trim();
  if (!/^[+-]?\d+$/.test(v)) bad(e, 'must be an integer');
  const n = Number(v);
  if (n < min || n > max) bad(e, min === 1 ? 'must be a positive integer' : `must be between ${min} and ${max}`);
  return n;
}

function port(e: Entry): number {
  return int(e, 0, 65535);
}

/** An http(s) URL with a host, without a trailing slash. */
function httpUrl(e: Entry): string {
  let u: URL;
  try {
    u = new URL(e.value.trim());
  } catch {
    bad(e, 'must be a URL such as http://zk1:8080');
  }
  if ((u.protocol !== 'http:' && u.protocol !== 'https:') || !u.host) bad(e, 'must be an http:// or https:// URL such as http://zk1:8080');
  return u.href.replace(/\/+$/, '');
}

function bool(e: Entry): boolean {
  const v = e.value.trim().toLowerCase();
  if (v === 'true' || v === 'yes') return true;
  if (v === 'false' || v === 'no') return false;
  bad(e, 'must be true or false');
}

/** Keys ZooKeeper accepts that zab has no use for (yet). */
const ACCEPTED_UNUSED = new Set([
  'secureClientPort',
  'secureClientPortAddress',
  'clientPortListenBacklog',
  'localSessionsEnabled',
  'localSessionsUpgradingEnabled',
  'observerMasterPort',
  'connectToLearnerMasterLimit',
  'electionAlg',
  'syncEnabled',
  'dynamicConfigFile',
  'sslQuorum',
  'portUnification',
  'sslQuorumReloadCertFiles',
  'electionPortBindRetry',
  'preAllocSize',
  'maxResponseCacheSize',
  'maxGetChildrenResponseCacheSize',
  'emulate353TTLNodes',
  'admin.idleTimeout',
  'admin.commandURL',
  'serverCnxnFactory',
  'jvm.pause.warn-threshold-ms',
  'jvm.pause.info-threshold-ms',
  'jvm.pause.sleep-time-ms',
  'oraclePath',
  'digest.enabled',
  'audit.enable',
  'txnLogSizeLimitInKb',
  'snapSizeLimitInKb',
  'commitLogCount',
  'authProvider',
  'ssl.clientAuth',
  'requireClientAuthScheme',
  'enforce.auth.enabled',
  'enforce.auth.schemes',
]);
const ACCEPTED_UNUSED_PREFIXES = ['metricsProvider.', 'quorum.auth.', 'quorum.cnxn.', 'multiAddress.', 'ssl.', 'authProvider.', 'group.', 'weight.'];

/** Parses one server.N value: host:quorumPort:electionPort[:participant|:observer][;[clientHost:]clientPort]. */
export function parseServerSpec(e: Entry, id: number): ServerSpec {
  const [serverPart, clientPart] = e.value.trim().split(';', 2) as [string, string | undefined];
  const parts = splitHostPorts(serverPart);
  if (parts.length < 3 || parts.length > 4) bad(e, 'must be host:quorumPort:electionPort[:participant|:observer][;[clientHost:]clientPort]');
  const [host, qp, ep, roleText] = parts as [string, string, string, string | undefined];
  const quorumPort = port({ ...e, key: `${e.key} quorum port`, value: qp });
  const electionPort = port({ ...e, key: `${e.key} election port`, value: ep });
  let role: ServerSpec['role'] = 'participant';
  if (roleText !== undefined) {
    if (roleText !== 'participant' && roleText !== 'observer') bad(e, 'role must be participant or observer');
    role = roleText;
  }
  let clientHost: string | undefined;
  let clientPort: number | undefined;
  if (clientPart !== undefined && clientPart.trim() !== '') {
    const cp = splitHostPorts(clientPart.trim());
    if (cp.length === 1) clientPort = port({ ...e, key: `${e.key} client port`, value: cp[0]! });
    else if (cp.length === 2) {
      clientHost = cp[0];
      clientPort = port({ ...e, key: `${e.key} client port`, value: cp[1]! });
    } else bad(e, 'client part must be [clientHost:]clientPort');
  }
  if (!host) bad(e, 'has no host');
  return Object.freeze({ id, host, quorumPort, electionPort, role, clientHost, clientPort });
}

/** Splits host:port:... keeping a bracketed IPv6 host whole. */
function splitHostPorts(s: string): string[] {
  if (s.startsWith('[')) {
    const end = s.indexOf(']');
    if (end < 0) return [s];
    const rest = s.slice(end + 1);
    return [s.slice(1, end), ...(rest.startsWith(':') ? rest.slice(1).split(':') : [])];
  }
  return s.split(':');
}

/**
 * Turns entries into a frozen config. Pure: reading files (zoo.cfg, myid) is the caller's.
 */
export function buildConfig(entries: Entry[]): { config: ServerConfig; warnings: string[] } {
  const warnings: string[] = [];
  const byKey = new Map<string, Entry>();
  for (const e of entries) byKey.set(e.key, e);
  const get = (k: string) => byKey.get(k);

  const tickTimeMs = get('tickTime') ? int(get('tickTime')!, 1) : 3000;
  const dataDirEntry = get('dataDir');
  if (!dataDirEntry || dataDirEntry.value.trim() === '') throw new ConfigError('dataDir is not set (give it in zoo.cfg or as --dataDir)');
  const dataDir = dataDirEntry.value.trim();
  const servers: ServerSpec[] = [];
  const seen = new Set<number>();
  for (const e of byKey.values()) {
    const m = /^server\.(\d+)$/.exec(e.key);
    if (!m) continue;
    const id = Number(m[1]);
    if (seen.has(id)) bad(e, 'duplicates a server id');
    seen.add(id);
    servers.push(parseServerSpec(e, id));
  }
  servers.sort((a, b) => a.id - b.id);

  const clientPort = get('clientPort') ? port(get('clientPort')!) : 0;
  if (clientPort === 0 && !servers.some((s) => s.clientPort !== undefined)) {
    throw new ConfigError('clientPort is not set (give it in zoo.cfg or as --clientPort)');
  }
  const min = get('minSessionTimeout') ? int(get('minSessionTimeout')!) : -1;
  const max = get('maxSessionTimeout') ? int(get('maxSessionTimeout')!) : -1;
  const minSessionTimeoutMs = min === -1 ? 2 * tickTimeMs : min;
  const maxSessionTimeoutMs = max === -1 ? 20 * tickTimeMs : max;
  if (minSessionTimeoutMs > maxSessionTimeoutMs) {
    throw new ConfigError(
      `${get('minSessionTimeout')?.where ?? get('maxSessionTimeout')!.where}: minSessionTimeout (${minSessionTimeoutMs}) must not be larger than maxSessionTimeout (${maxSessionTimeoutMs})`,
    );
  }
  const wl = get('4lw.commands.whitelist');
  let fourLetterWordWhitelist: ServerConfig['fourLetterWordWhitelist'] = new Set(['srvr']);
  if (wl) {
    const words = wl.value.split(/[\s,]+/).map((w) => w.trim()).filter(Boolean);
    fourLetterWordWhitelist = words.includes('*') ? '*' : new Set(words);
  }
  const peerTypeEntry = get('peerType');
  let peerType: ServerConfig['peerType'] = 'participant';
  if (peerTypeEntry) {
    const v = peerTypeEntry.value.trim().toLowerCase();
    if (v !== 'participant' && v !== 'observer') bad(peerTypeEntry, 'must be participant or observer');
    peerType = v;
  }
  const superDigest = get('DigestAuthenticationProvider.superDigest')?.value.trim();
  if (superDigest !== undefined && !/^[^:]+:.+$/.test(superDigest)) bad(get('DigestAuthenticationProvider.superDigest')!, 'must be user:base64digest');
  const retain = get('autopurge.snapRetainCount') ? int(get('autopurge.snapRetainCount')!, 0) : 3;
  if (retain < 3) warnings.push(`${get('autopurge.snapRetainCount')!.where}: autopurge.snapRetainCount ${retain} is below 3; using 3, as ZooKeeper does`);
  const authEntry = get('admin.authDigests');
  const adminAuthDigests = (authEntry?.value ?? '').split(',').map((d) => d.trim()).filter(Boolean);
  for (const d of adminAuthDigests) if (!/^[^:\s]+:[A-Za-z0-9+/]{27}=$/.test(d)) bad(authEntry!, 'must be user:base64(sha1(user:password)) ids, separated by commas');
  const adminUrls = new Map<number, string>();
  for (const e of byKey.values()) {
    const m = /^admin\.url\.(\d+)$/.exec(e.key);
    if (m) adminUrls.set(Number(m[1]), httpUrl(e));
  }
  const juteEntry = get('jute.maxbuffer') ?? get('zookeeper.jute.maxbuffer');
  const fsyncEntry = get('fsync.warningthresholdms') ?? get('zookeeper.fsync.warningthresholdms');

  const config: ServerConfig = {
    tickTimeMs,
    initLimitTicks: get('initLimit') ? int(get('initLimit')!, 1) : 10,
    syncLimitTicks: get('syncLimit') ? int(get('syncLimit')!, 1) : 5,
    dataDir,
    dataLogDir: get('dataLogDir')?.value.trim() || dataDir,
    clientPort,
    clientPortAddress: get('clientPortAddress')?.value.trim() || '0.0.0.0',
    quorumListenOnAllIPs: get('quorumListenOnAllIPs') ? bool(get('quorumListenOnAllIPs')!) : false,
    maxClientCnxns: get('maxClientCnxns') ? int(get('maxClientCnxns')!, 0) : 60,
    minSessionTimeoutMs,
    maxSessionTimeoutMs,
    juteMaxBuffer: juteEntry ? int(juteEntry, 1) : 0xfffff,
    globalOutstandingLimit: get('globalOutstandingLimit') ? int(get('globalOutstandingLimit')!, 1) : 1000,
    snapCount: get('snapCount') ? int(get('snapCount')!, 2) : 100_000,
    autopurgeSnapRetainCount: Math.max(3, retain),
    autopurgePurgeIntervalHours: get('autopurge.purgeInterval') ? int(get('autopurge.purgeInterval')!, 0) : 0,
    fourLetterWordWhitelist,
    superDigest,
    extendedTypesEnabled: get('extendedTypesEnabled') ? bool(get('extendedTypesEnabled')!) : false,
    skipACL: get('skipACL') ? bool(get('skipACL')!) : false,
    forceSync: get('forceSync') ? bool(get('forceSync')!) : true,
    fsyncWarningThresholdMs: fsyncEntry ? int(fsyncEntry, 0) : 1000,
    reconfigEnabled: get('reconfigEnabled') ? bool(get('reconfigEnabled')!) : false,
    standaloneEnabled: get('standaloneEnabled') ? bool(get('standaloneEnabled')!) : true,
    containerCheckIntervalMs: get('znode.container.checkIntervalMs') ? int(get('znode.container.checkIntervalMs')!, 1) : 60_000,
    adminServerPort: get('admin.serverPort') ? port(get('admin.serverPort')!) : 8080,
    adminEnableServer: get('admin.enableServer') ? bool(get('admin.enableServer')!) : true,
    adminServerAddress: get('admin.serverAddress')?.value.trim() || '0.0.0.0',
    adminAuthDigests: Object.freeze(adminAuthDigests),
    adminUrls,
    metricsHttpPort: /Prometheus/i.test(get('metricsProvider.className')?.value ?? '')
      ? get('metricsProvider.httpPort') ? port(get('metricsProvider.httpPort')!) : 7000
      : null,
    metricsHttpHost: get('metricsProvider.httpHost')?.value.trim() || '0.0.0.0',
    peerType,
    servers: Object.freeze(servers),
  };

  const USED = new Set([
    'tickTime', 'initLimit', 'syncLimit', 'dataDir', 'dataLogDir', 'clientPort', 'clientPortAddress', 'maxClientCnxns',
    'minSessionTimeout', 'maxSessionTimeout', 'jute.maxbuffer', 'zookeeper.jute.maxbuffer', 'globalOutstandingLimit', 'snapCount',
    'autopurge.snapRetainCount', 'autopurge.purgeInterval', '4lw.commands.whitelist', 'DigestAuthenticationProvider.superDigest',
    'extendedTypesEnabled', 'skipACL', 'forceSync', 'fsync.warningthresholdms', 'zookeeper.fsync.warningthresholdms', 'reconfigEnabled', 'standaloneEnabled', 'znode.container.checkIntervalMs',
    'admin.serverPort', 'admin.enableServer', 'peerType', 'quorumListenOnAllIPs', 'admin.serverAddress', 'admin.authDigests',
    'metricsProvider.className', 'metricsProvider.httpPort', 'metricsProvider.httpHost',
  ]);
  for (const e of byKey.values()) {
    if (USED.has(e.key) || /^server\.\d+$/.test(e.key) || /^admin\.url\.\d+$/.test(e.key)) continue;
    if (ACCEPTED_UNUSED.has(e.key) || ACCEPTED_UNUSED_PREFIXES.some((p) => e.key.startsWith(p))) {
      warnings.push(`${e.where}: ${e.key} is accepted but not used by zab`);
    } else {
      warnings.push(`${e.where}: unknown setting ${e.key}; ignored`);
    }
  }
  return { config: Object.freeze(config), warnings };
}

/** zoo.cfg text -> config (pure). */
export function parseZooCfg(text: string, source = 'zoo.cfg'): { config: ServerConfig; warnings: string[] } {
  return buildConfig(parseProperties(text, source));
}

/**
 * Reads zoo.cfg (if given) and applies overrides (flags, same key names; they win over
 * the file). Overrides are named `--key` in error messages.
 */
export function loadConfig(opts: { configPath?: string; overrides?: Record<string, string> }): { config: ServerConfig; warnings: string[] } {
  const entries: Entry[] = [];
  if (opts.configPath) {
    let text: string;
    try {
      text = readFileSync(opts.configPath, 'utf8');
    } catch (e) {
      throw new ConfigError(`cannot read ${opts.configPath}: ${(e as Error).message}`);
    }
    entries.push(...parseProperties(text, opts.configPath));
  }
  for (const [key, value] of Object.entries(opts.overrides ?? {})) entries.push({ key, value, where: `--${key}` });
  return buildConfig(entries);
}

/** The server id from `<dataDir>/myid`, as ZooKeeper reads it in ensemble mode. */
export function readMyId(dataDir: string): number {
  const file = join(dataDir, 'myid');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(`${file} is missing: an ensemble member needs its id there (${(e as Error).message})`);
  }
  const v = text.trim();
  if (!/^\d+$/.test(v)) throw new ConfigError(`${file}: the server id must be a number, got "${v}"`);
  return Number(v);
}
