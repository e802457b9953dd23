import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ACCEPTED_UNUSED, ACCEPTED_UNUSED_PREFIXES } from './config/known-keys.js';
import { TLS_SETTING_NAMES } from '@zab/security';
import { jvmFlagEntries } from './config/jvm-flag-entries.js';
import { ConfigError, parseProperties, type Entry } from './config/properties.js';
import { buildSecurityConfig, SECURITY_KEY_PREFIXES, SECURITY_KEYS, type SecurityConfig } from './config/security.js';
import { parseServerSpec, type ServerSpec } from './config/server-spec.js';
import { bad, bool, httpUrl, int, port } from './config/values.js';
import { versionOfDynamicFile } from './config/dynamic-config.js';

export { ConfigError, parseProperties } from './config/properties.js';
export { parseServerSpec, type ServerSpec } from './config/server-spec.js';
export type { ClientAuthConfig, ClientTlsConfig, LimitsConfig, QuorumSecurityConfig, SecurityConfig } from './config/security.js';

/**
 * The parsed zoo.cfg: the configuration every part of the server is given, frozen.
 * zoo.cfg is read as Apache ZooKeeper 3.8 reads it (a Java properties file, config/properties),
 * parsed once and passed down. Keys ZooKeeper knows but zab does not use are accepted with a
 * warning (config/known-keys); keys nobody knows are accepted with a warning too (ZooKeeper
 * turns them into `zookeeper.<key>` system properties). A bad value stops start-up with a
 * ConfigError naming the file, the line, the setting and the value (config/values).
 */
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
  /** readonlymode.enabled (zoo.cfg, or -D in SERVER_JVMFLAGS/JVMFLAGS): a member without a quorum serves reads to read-only clients. */
  readonly readOnlyModeEnabled: boolean;
  /** enforceQuota (ZooKeeper's zookeeper.enforceQuota): reject writes past a hard quota limit. */
  readonly enforceQuota: boolean;
  /** localSessionsEnabled: an ensemble member's new sessions are local until their first ephemeral. */
  readonly localSessionsEnabled: boolean;
  /** localSessionsUpgradingEnabled: that first ephemeral upgrades the session (else it fails). */
  readonly localSessionsUpgradingEnabled: boolean;
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
  /**
   * `dynamicConfigFile`: where the servers were read from (3.8's `zoo.cfg.dynamic.<version>`),
   * and the configuration version its name carries; without one, the servers are zoo.cfg's
   * static configuration, version 0.
   */
  readonly dynamicConfigFile?: string;
  readonly configVersion: bigint;
  /** Authentication, TLS (client port and between members) and limits (config/security). */
  readonly security: SecurityConfig;
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
  if (clientPort === 0 && !servers.some((s) => s.clientPort !== undefined) && !get('secureClientPort')) {
    throw new ConfigError('clientPort is not set (give it, or secureClientPort, in zoo.cfg or as --clientPort)');
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
  const enforceQuotaEntry = get('enforceQuota') ?? get('zookeeper.enforceQuota');

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
    readOnlyModeEnabled: get('readonlymode.enabled') ? bool(get('readonlymode.enabled')!) : false,
    enforceQuota: enforceQuotaEntry ? bool(enforceQuotaEntry) : false,
    localSessionsEnabled: get('localSessionsEnabled') ? bool(get('localSessionsEnabled')!) : false,
    localSessionsUpgradingEnabled: get('localSessionsUpgradingEnabled') ? bool(get('localSessionsUpgradingEnabled')!) : false,
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
    dynamicConfigFile: get('dynamicConfigFile')?.value.trim(),
    configVersion: dynamicVersion(get('dynamicConfigFile')),
    security: buildSecurityConfig(byKey, warnings),
  };

  const USED = new Set([
    'tickTime', 'initLimit', 'syncLimit', 'dataDir', 'dataLogDir', 'clientPort', 'clientPortAddress', 'maxClientCnxns',
    'minSessionTimeout', 'maxSessionTimeout', 'jute.maxbuffer', 'zookeeper.jute.maxbuffer', 'globalOutstandingLimit', 'snapCount',
    'autopurge.snapRetainCount', 'autopurge.purgeInterval', '4lw.commands.whitelist', 'DigestAuthenticationProvider.superDigest',
    'extendedTypesEnabled', 'skipACL', 'forceSync', 'fsync.warningthresholdms', 'zookeeper.fsync.warningthresholdms', 'reconfigEnabled', 'readonlymode.enabled', 'enforceQuota', 'zookeeper.enforceQuota', 'localSessionsEnabled', 'localSessionsUpgradingEnabled', 'standaloneEnabled', 'znode.container.checkIntervalMs',
    'admin.serverPort', 'admin.enableServer', 'peerType', 'quorumListenOnAllIPs', 'admin.serverAddress', 'admin.authDigests',
    'metricsProvider.className', 'metricsProvider.httpPort', 'metricsProvider.httpHost', 'dynamicConfigFile',
  ]);
  for (const e of byKey.values()) {
    if (USED.has(e.key) || isSecurityKey(e.key) || /^server\.\d+$/.test(e.key) || /^admin\.url\.\d+$/.test(e.key)) continue;
    if (ACCEPTED_UNUSED.has(e.key) || ACCEPTED_UNUSED_PREFIXES.some((p) => e.key.startsWith(p))) {
      warnings.push(`${e.where}: ${e.key} is accepted but not used by zab`);
    } else {
      warnings.push(`${e.where}: unknown setting ${e.key}; ignored`);
    }
  }
  return { config: Object.freeze(config), warnings };
}

const TLS_KEYS = new Set(['ssl.authProvider', ...TLS_SETTING_NAMES.flatMap((n) => [`ssl.${n}`, `ssl.quorum.${n}`])]);
/** Whether config/security reads `key` (ssl.* keys only those @zab/security serves). */
function isSecurityKey(key: string): boolean {
  if (SECURITY_KEYS.includes(key) || TLS_KEYS.has(key)) return true;
  return SECURITY_KEY_PREFIXES.some((p) => key.startsWith(p));
}

/** zoo.cfg text -> config (pure). */
export function parseZooCfg(text: string, source = 'zoo.cfg'): { config: ServerConfig; warnings: string[] } {
  return buildConfig(parseProperties(text, source));
}

/**
 * Reads zoo.cfg (if given) and applies overrides (flags, same key names; they win over
 * the file). Overrides are named `--key` in error messages. -D settings from SERVER_JVMFLAGS
 * and JVMFLAGS come first: the file and the flags win over them.
 */
export function loadConfig(opts: {
  configPath?: string;
  overrides?: Record<string, string>;
  /** Where SERVER_JVMFLAGS and JVMFLAGS are read (default: none); their -D settings come first, so zoo.cfg wins. */
  env?: Readonly<Record<string, string | undefined>>;
}): { config: ServerConfig; warnings: string[]; jvmProperties: ReadonlyMap<string, string> } {
  const fromFlags = opts.env ? jvmFlagEntries(opts.env) : { entries: [], warnings: [], properties: new Map<string, string>() };
  const entries: Entry[] = [...fromFlags.entries];
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
  const built = buildConfig(withDynamicServers(entries));
  return { config: built.config, warnings: [...fromFlags.warnings, ...built.warnings], jvmProperties: fromFlags.properties };
}

/**
 * With a `dynamicConfigFile` (3.8 writes one and points zoo.cfg at it once an ensemble has a
 * leader), the servers are that file's, not any left in zoo.cfg.
 */
function withDynamicServers(entries: Entry[]): Entry[] {
  const dynamic = entries.filter((e) => e.key === 'dynamicConfigFile').pop();
  if (!dynamic) return entries;
  const path = dynamic.value.trim();
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigError(`${dynamic.where}: cannot read dynamicConfigFile ${path}: ${(e as Error).message}`);
  }
  const servers = parseProperties(text, path);
  for (const e of servers) if (!/^server\.\d+$/.test(e.key)) throw new ConfigError(`${e.where}: ${e.key} does not belong in a dynamic configuration file (only server.N lines)`);
  return [...entries.filter((e) => !/^server\.\d+$/.test(e.key)), ...servers];
}

/** The version in a dynamic file's name (`zoo.cfg.dynamic.100000000`); 0 without one. */
function dynamicVersion(e: Entry | undefined): bigint {
  if (!e) return 0n;
  const v = versionOfDynamicFile(e.value.trim());
  if (v === null) bad(e, 'must name a file ending in .dynamic.<hex version>, as ZooKeeper names it');
  return v;
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
