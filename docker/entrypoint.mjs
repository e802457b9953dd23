#!/usr/bin/env node
// Container entrypoint: writes /conf/zoo.cfg and <dataDir>/myid from the environment, in the
// style of the official ZooKeeper image (ZOO_MY_ID, ZOO_SERVERS, ZOO_TICK_TIME, ...), unless a
// zoo.cfg is mounted; derives myid and the server list from a StatefulSet's pod name and
// service when asked (ZAB_K8S_SERVICE); then runs zkserver in the foreground (SIGTERM stops
// it cleanly). The pure functions are exported for tests.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

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
  return lines;
}

/** The zoo.cfg text the environment describes. */
export function zooCfgFromEnv(env) {
  return zooCfgLinesFromEnv(env).map((l) => l.text).join('\n') + '\n';
}

/** myid of a StatefulSet pod: its ordinal plus one (`zab-2` -> 3). */
export function myIdFromHostname(name) {
  const m = /-(\d+)$/.exec(name);
  if (!m) throw new Error(`hostname "${name}" does not end in a StatefulSet ordinal (-N)`);
  return Number(m[1]) + 1;
}

/** ZOO_SERVERS for `replicas` pods of StatefulSet `set` behind headless service `service`. */
export function statefulSetServers({ replicas, set, service, namespace, clientPort = 2181 }) {
  const out = [];
  for (let i = 0; i < replicas; i++) {
    const host = `${set}-${i}.${service}${namespace ? `.${namespace}.svc.cluster.local` : ''}`;
    out.push(`server.${i + 1}=${host}:2888:3888;${clientPort}`);
  }
  return out.join(' ');
}

function main() {
  const env = { ...process.env };
  if (env.ZAB_K8S_SERVICE) {
    const host = env.HOSTNAME ?? hostname();
    env.ZOO_MY_ID = String(myIdFromHostname(host));
    env.ZOO_SERVERS = statefulSetServers({
      replicas: Number(env.ZAB_K8S_REPLICAS ?? '3'),
      set: host.replace(/-\d+$/, ''),
      service: env.ZAB_K8S_SERVICE,
      namespace: env.POD_NAMESPACE,
    });
    env.ZOO_CFG_EXTRA = `${env.ZOO_CFG_EXTRA ?? ''} quorumListenOnAllIPs=true`;
  }
  const confDir = env.ZOO_CONF_DIR ?? '/conf';
  const cfgFile = join(confDir, 'zoo.cfg');
  let generated = null;
  if (!existsSync(cfgFile)) {
    mkdirSync(confDir, { recursive: true });
    generated = zooCfgLinesFromEnv(env);
    writeFileSync(cfgFile, generated.map((l) => l.text).join('\n') + '\n');
  }
  const dataDir = env.ZOO_DATA_DIR ?? '/data';
  mkdirSync(dataDir, { recursive: true });
  if (env.ZOO_MY_ID && !existsSync(join(dataDir, 'myid'))) writeFileSync(join(dataDir, 'myid'), `${env.ZOO_MY_ID}\n`);
  const root = join(dirname(fileURLToPath(import.meta.url)), '..');
  // The environment goes through whole: zkserver reads SERVER_JVMFLAGS and JVMFLAGS (-D settings) as ZooKeeper's image does.
  const child = spawn(process.execPath, [join(root, 'packages/server/dist/bin/zkserver.js'), '--config', cfgFile], { stdio: 'inherit', env });
  for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => child.kill(sig));
  child.on('exit', (code, signal) => {
    if (code === 2 && generated) {
      // zkserver named a line of a file the user never wrote: say where each line came from.
      const listing = generated.map((l, i) => `  ${String(i + 1).padStart(2)}  ${l.text}    (${l.from})`).join('\n');
      console.error(`zab entrypoint: ${cfgFile} was written from the environment:\n${listing}`);
    }
    process.exit(code ?? (signal ? 1 : 0));
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    main();
  } catch (e) {
    console.error(`zab entrypoint: ${e.message}`);
    process.exit(2);
  }
}
