#!/usr/bin/env node
// Container entrypoint: writes /conf/zoo.cfg and <dataDir>/myid from the environment, in the
// style of the official ZooKeeper image (ZOO_MY_ID, ZOO_SERVERS, ZOO_TICK_TIME, ...), unless a
// zoo.cfg is mounted; derives myid and the server list from a StatefulSet's pod name and
// service when asked (ZAB_K8S_SERVICE); with ZAB_JOIN, keeps the configuration in the data
// volume and joins a running ensemble through reconfig (membership.mjs); then runs zkserver in
// the foreground (SIGTERM stops it cleanly). The pure functions are exported for tests.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { clientAddressOf, ensureMember, liveConfig, serversById, startServers, superDigest } from './membership.mjs';

/** ZOO_* variables and the zoo.cfg keys they set. */
const ENV_KEYS = {
  ZOO_TICK_TIME: 'tickTime',
  ZOO_INIT_LIMIT: 'initLimit',
  ZOO_SYNC_LIMIT: 'syncLimit',
  ZOO_MAX_CLIENT_CNXNS: 'maxClientCnxns',
  ZOO_STANDALONE_ENABLED: 'standaloneEnabled',
  ZOO_ADMINSERVER_ENABLED: 'admin.enableServer',
  ZOO_AUTOPURGE_PURGEINTERVAL: 'autopurge.purgeInterval',
  ZOO_AUTOPURGE_SNAPRETAINCOUNT: 'autopurge.snapRetainCount',
  ZOO_4LW_COMMANDS_WHITELIST: '4lw.commands.whitelist',
};

const DEFAULTS = {
  tickTime: '2000',
  initLimit: '5',
  syncLimit: '2',
  maxClientCnxns: '60',
  standaloneEnabled: 'true',
  'admin.enableServer': 'true',
  'autopurge.purgeInterval': '0',
  'autopurge.snapRetainCount': '3',
  '4lw.commands.whitelist': 'srvr,ruok,mntr,conf,isro',
};

/** The zoo.cfg lines the environment describes, each with the variable it came from. */
export function zooCfgLinesFromEnv(env) {
  const cfg = new Map([
    ['dataDir', [env.ZOO_DATA_DIR ?? '/data', 'ZOO_DATA_DIR']],
    ['dataLogDir', [env.ZOO_DATA_LOG_DIR ?? '/datalog', 'ZOO_DATA_LOG_DIR']],
    ['clientPort', [env.ZOO_PORT ?? '2181', 'ZOO_PORT']],
  ]);
  const varOf = new Map(Object.entries(ENV_KEYS).map(([v, key]) => [key, v]));
  for (const [key, value] of Object.entries(DEFAULTS)) cfg.set(key, [value, `${varOf.get(key)}, default`]);
  for (const [v, key] of Object.entries(ENV_KEYS)) if (env[v] !== undefined && env[v] !== '') cfg.set(key, [env[v], v]);
  if (env.ZOO_METRICS_PROVIDER_HTTP_PORT) {
    cfg.set('metricsProvider.className', ['org.apache.zookeeper.metrics.prometheus.PrometheusMetricsProvider', 'ZOO_METRICS_PROVIDER_HTTP_PORT']);
    cfg.set('metricsProvider.httpPort', [env.ZOO_METRICS_PROVIDER_HTTP_PORT, 'ZOO_METRICS_PROVIDER_HTTP_PORT']);
  }
  const lines = [...cfg].map(([k, [v, from]]) => ({ text: `${k}=${v}`, from }));
  // ZOO_SERVERS: "server.1=h1:2888:3888;2181 server.2=..." (whitespace separated), as the official image takes them.
  for (const s of (env.ZOO_SERVERS ?? '').split(/\s+/).filter(Boolean)) {
    if (!/^server\.\d+=/.test(s)) throw new Error(`ZOO_SERVERS: "${s}" is not server.N=host:quorumPort:electionPort[;clientPort]`);
    lines.push({ text: s, from: 'ZOO_SERVERS' });
  }
  for (const extra of (env.ZOO_CFG_EXTRA ?? '').split(/\s+/).filter(Boolean)) lines.push({ text: extra, from: 'ZOO_CFG_EXTRA' });
  if (env.ZAB_SUPER_PASSWORD) lines.push({ text: `DigestAuthenticationProvider.superDigest=${superDigest(env.ZAB_SUPER_PASSWORD)}`, from: 'ZAB_SUPER_PASSWORD' });
  if (isOn(env.ZAB_JOIN)) lines.push({ text: 'reconfigEnabled=true', from: 'ZAB_JOIN' });
  return lines;
}

/** The zoo.cfg text the environment describes. */
export function zooCfgFromEnv(env) {
  return zooCfgLinesFromEnv(env).map((l) => l.text).join('\n') + '\n';
}

const isOn = (v) => v === 'true' || v === '1' || v === 'yes';

/** myid of a StatefulSet pod: its ordinal plus one (`zab-2` -> 3). */
export function myIdFromHostname(name) {
  const m = /-(\d+)$/.exec(name);
  if (!m) throw new Error(`hostname "${name}" does not end in a StatefulSet ordinal (-N)`);
  return Number(m[1]) + 1;
}

/** ZOO_SERVERS for `replicas` pods of StatefulSet `set` behind headless service `service`. */
export function statefulSetServers({ replicas, set, service, namespace, clientPort = 2181 }) {
  return Array.from({ length: replicas }, (_, i) => statefulSetServer(i, { set, service, namespace, clientPort })).join(' ');
}

/** The `server.N` line of pod `ordinal` of StatefulSet `set`: its DNS name behind the headless service. */
export function statefulSetServer(ordinal, { set, service, namespace, clientPort = 2181 }) {
  const host = `${set}-${ordinal}.${service}${namespace ? `.${namespace}.svc.cluster.local` : ''}`;
  return `server.${ordinal + 1}=${host}:2888:3888;${clientPort}`;
}

/**
 * The zoo.cfg lines of a member that keeps its configuration in the data volume (ZAB_JOIN):
 * the environment's settings, then either the dynamic file its last zoo.cfg named (the
 * membership it last committed; `dynamic` holds that file's text) or the server lines of
 * `servers`. As the server does when it names a dynamic file, clientPort goes when this
 * member's line there gives its client port.
 */
export function joinedCfgLines(env, { servers, dynamicFile, dynamic, myId }) {
  if (!dynamicFile) return zooCfgLinesFromEnv({ ...env, ZOO_SERVERS: servers.join(' ') });
  const mine = serversById(dynamic.replace(/\n/g, ' ')).get(myId);
  const dropClient = mine !== undefined && mine.includes(';');
  const lines = zooCfgLinesFromEnv({ ...env, ZOO_SERVERS: '' }).filter((l) => !(dropClient && l.text.startsWith('clientPort=')));
  return [...lines, { text: `dynamicConfigFile=${dynamicFile}`, from: 'the last configuration this member committed' }];
}

/** The dynamic file an earlier zoo.cfg at `cfgFile` names, with its text, if both are there. */
function keptDynamicFile(cfgFile) {
  if (!existsSync(cfgFile)) return null;
  const m = /^dynamicConfigFile=(.*)$/m.exec(readFileSync(cfgFile, 'utf8'));
  const file = m?.[1].trim();
  return file && existsSync(file) ? { dynamicFile: file, dynamic: readFileSync(file, 'utf8') } : null;
}

const say = (msg) => console.log(`zab entrypoint: ${msg}`);
const pause = (ms) => new Promise((r) => setTimeout(r, ms)); // between lookups, not a wait for a condition

/**
 * The server lines a joining member starts with: the running ensemble's configuration (plus
 * itself), or, when no member of ZOO_SERVERS answers, ZOO_SERVERS if it names this member.
 * A member it does not name waits for a running ensemble.
 */
async function serversToStart(env, myId, ownLine) {
  const founding = serversById(env.ZOO_SERVERS ?? '');
  const seeds = [...founding].filter(([id]) => id !== myId).map(([, l]) => clientAddressOf(l)).filter(Boolean);
  for (let attempt = 0; ; attempt++) {
    const live = await liveConfig(seeds, 5_000);
    const servers = startServers({ myId, ownLine, live, founding });
    if (servers) {
      say(live ? `the running ensemble's configuration is version ${live.version}${live.servers.has(myId) ? '' : `; server.${myId} will join it`}` : 'no member answers: creating the ensemble from ZOO_SERVERS');
      return servers;
    }
    if (attempt % 15 === 0) say(`no member of ZOO_SERVERS (${seeds.join(',')}) answers; server.${myId} is not among them, so it waits for a running ensemble to join`);
    await pause(2_000);
  }
}

async function main() {
  const env = { ...process.env };
  let ownLine;
  if (env.ZAB_K8S_SERVICE) {
    const host = env.HOSTNAME ?? hostname();
    const myId = myIdFromHostname(host);
    const pods = { set: host.replace(/-\d+$/, ''), service: env.ZAB_K8S_SERVICE, namespace: env.POD_NAMESPACE };
    env.ZOO_MY_ID = String(myId);
    // The founding members; with ZAB_JOIN, a pod beyond them (scaled up) joins through reconfig.
    env.ZOO_SERVERS = statefulSetServers({ replicas: Number(env.ZAB_K8S_REPLICAS ?? '3'), ...pods });
    ownLine = statefulSetServer(myId - 1, pods);
    env.ZOO_CFG_EXTRA = `${env.ZOO_CFG_EXTRA ?? ''} quorumListenOnAllIPs=true`;
  }
  const dataDir = env.ZOO_DATA_DIR ?? '/data';
  const mounted = join(env.ZOO_CONF_DIR ?? '/conf', 'zoo.cfg');
  const joining = isOn(env.ZAB_JOIN) && !existsSync(mounted);
  // A joining member's membership changes while it runs: its zoo.cfg and dynamic files live in
  // the data volume, so a new container for the same data starts from what it last committed.
  const confDir = joining ? join(dataDir, 'conf') : (env.ZOO_CONF_DIR ?? '/conf');
  const cfgFile = join(confDir, 'zoo.cfg');
  const myId = Number(env.ZOO_MY_ID);
  if (joining && !(myId > 0)) throw new Error('ZAB_JOIN needs ZOO_MY_ID (or a StatefulSet pod name)');
  // This member's line in the configuration: ZAB_MY_SERVER, else its ZOO_SERVERS entry, else its host name with the standard ports.
  ownLine = env.ZAB_MY_SERVER || ownLine || serversById(env.ZOO_SERVERS ?? '').get(myId) || `server.${myId}=${env.HOSTNAME ?? hostname()}:2888:3888;${env.ZOO_PORT ?? '2181'}`;
  if (joining && !ownLine.startsWith(`server.${myId}=`)) throw new Error(`ZAB_MY_SERVER: "${ownLine}" is not server.${myId}=host:quorumPort:electionPort[;clientPort]`);
  let generated = null;
  if (joining) {
    const kept = keptDynamicFile(cfgFile);
    if (kept) say(`starting from the configuration this member last committed, ${kept.dynamicFile}`);
    generated = joinedCfgLines(env, { myId, ...(kept ?? { servers: await serversToStart(env, myId, ownLine) }) });
  } else if (!existsSync(cfgFile)) generated = zooCfgLinesFromEnv(env);
  if (generated) {
    mkdirSync(confDir, { recursive: true });
    writeFileSync(cfgFile, generated.map((l) => l.text).join('\n') + '\n');
  }
  mkdirSync(dataDir, { recursive: true });
  if (env.ZOO_MY_ID && !existsSync(join(dataDir, 'myid'))) writeFileSync(join(dataDir, 'myid'), `${env.ZOO_MY_ID}\n`);
  const root = join(dirname(fileURLToPath(import.meta.url)), '..');
  // The environment goes through whole: zkserver reads SERVER_JVMFLAGS and JVMFLAGS (-D settings) as ZooKeeper's image does.
  const child = spawn(process.execPath, [join(root, 'packages/server/dist/bin/zkserver.js'), '--config', cfgFile], { stdio: 'inherit', env });
  for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => child.kill(sig));
  let joinFailed = false;
  if (joining) {
    const port = Number(env.ZOO_PORT ?? '2181');
    ensureMember({ myId, ownLine, port, password: env.ZAB_SUPER_PASSWORD, say }).then(
      (r) => say(r === 'joined' ? `server.${myId} joined the ensemble as a voting member` : `server.${myId} is a member of the ensemble`),
      (e) => {
        // A member the ensemble will not add would follow as a non-voting learner for ever: stop, saying why.
        console.error(`zab entrypoint: server.${myId} cannot join the ensemble: ${e.message}`);
        joinFailed = true;
        child.kill('SIGTERM');
      },
    );
  }
  child.on('exit', (code, signal) => {
    if (code === 2 && generated) {
      // zkserver named a line of a file the user never wrote: say where each line came from.
      const listing = generated.map((l, i) => `  ${String(i + 1).padStart(2)}  ${l.text}    (${l.from})`).join('\n');
      console.error(`zab entrypoint: ${cfgFile} was written from the environment:\n${listing}`);
    }
    process.exit(joinFailed ? 2 : (code ?? (signal ? 1 : 0)));
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((e) => {
    console.error(`zab entrypoint: ${e.message}`);
    process.exit(2);
  });
}
