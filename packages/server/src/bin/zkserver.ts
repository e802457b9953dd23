#!/usr/bin/env node
// zkserver: runs a zab server in the foreground from a zoo.cfg, as ZooKeeper's
// QuorumPeerMain does. Flags override settings of the file, using the same key names.
import { mkdirSync } from 'node:fs';
import pino, { type Logger } from 'pino';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { startOpsEndpoints } from '../admin/admin-server.js';
import { answerFourLetterWord } from '../admin/four-letter.js';
import { fileTrace, type WriteTrace } from '../admin/write-trace.js';
import { systemClock } from '../clock.js';
import { startIdleHeapCompaction } from '../idle-heap-compaction.js';
import { ConfigError, loadConfig, readMyId, type ServerConfig } from '../config.js';
import { DynamicConfigFiles, readProposedConfig } from '../config/dynamic-files.js';
import { startSecurity } from '../auth/start-security.js';
import { DriverFailure } from '../ensemble/effect-runner.js';
import { startEnsembleMember } from '../ensemble/ensemble-member.js';
import { startStandalone } from '../standalone.js';
import type { ServerSettings } from '../zk-server.js';

const argv = yargs(hideBin(process.argv))
  .scriptName('zkserver')
  .usage('$0 --config zoo.cfg [--<setting> <value> ...]\n\nRuns a zab server in the foreground. Any zoo.cfg setting may be given as a flag, e.g. --clientPort 2182 --dataDir /tmp/zab.')
  .option('config', { alias: 'c', type: 'string', describe: 'path to a zoo.cfg' })
  .option('log-level', { type: 'string', default: process.env.ZAB_LOG_LEVEL ?? 'info', describe: 'pino log level' })
  .parserConfiguration({ 'dot-notation': false, 'camel-case-expansion': false, 'parse-numbers': false, 'boolean-negation': false })
  .strict(false)
  .help()
  .parseSync();

const log = pino({ level: String(argv['log-level']), base: { pid: process.pid } });

/** A bad setting or myid: say what and stop (exit status 2). */
function refuse(e: unknown): never {
  if (!(e instanceof ConfigError)) throw e;
  log.fatal(e.message);
  console.error(`zkserver: ${e.message}`);
  process.exit(2);
}

/** zoo.cfg with the flags over it, and the -D properties of SERVER_JVMFLAGS and JVMFLAGS. */
function readConfig(): { config: ServerConfig; jvmProperties: ReadonlyMap<string, string> } {
  const overrides = Object.fromEntries(
    Object.entries(argv)
      .filter(([k]) => !['_', '$0', 'config', 'c', 'log-level', 'help'].includes(k))
      .map(([k, v]) => [k, String(v)]),
  );
  try {
    // SERVER_JVMFLAGS and JVMFLAGS: the -D settings an operator's environment gives ZooKeeper.
    const loaded = loadConfig({ configPath: argv.config, overrides, env: process.env });
    for (const w of loaded.warnings) log.warn(w);
    return loaded;
  } catch (e) {
    return refuse(e);
  }
}

/**
 * This server's id: from `dataDir/myid` in an ensemble (server.N lines naming more than this
 * server, or standaloneEnabled=false, as ZooKeeper decides); 1 standalone, as ZooKeeper's
 * standalone session ids carry.
 */
function serverId(config: ServerConfig, ensemble: boolean): number {
  if (!ensemble) return 1;
  try {
    const myId = readMyId(config.dataDir);
    if (!config.servers.some((s) => s.id === myId)) throw new ConfigError(`myid is ${myId} but no server.${myId} line names this server`);
    return myId;
  } catch (e) {
    return refuse(e);
  }
}

/** ZAB_TRACE_WRITES=FILE: marks of the write path's steps appended to FILE (bench/trace-summary.mjs reads them). */
function writeTrace(): WriteTrace | undefined {
  const file = process.env.ZAB_TRACE_WRITES;
  if (!file) return undefined;
  const trace = fileTrace(file, systemClock);
  process.on('exit', () => trace.close());
  return trace;
}

async function main(logger: Logger): Promise<void> {
  const { config, jvmProperties } = readConfig();
  mkdirSync(config.dataDir, { recursive: true });
  const ensemble = config.servers.length > 1 || (config.servers.length === 1 && !config.standaloneEnabled);
  const myId = serverId(config, ensemble);
  const me = config.servers.find((s) => s.id === myId);
  // The JAAS file and the client port's key and trust stores: unreadable ones stop start-up here.
  const security = await startSecurity(config.security, config.clientPortAddress, jvmProperties, logger).catch((e: Error) => {
    logger.fatal({ err: e.message }, 'cannot start');
    console.error(`zkserver: cannot start: ${e.message}`);
    process.exit(2);
  });
  const settings: ServerSettings = {
    serverId: myId,
    tickTimeMs: config.tickTimeMs,
    minSessionTimeoutMs: config.minSessionTimeoutMs,
    maxSessionTimeoutMs: config.maxSessionTimeoutMs,
    juteMaxBuffer: config.juteMaxBuffer,
    superDigest: config.superDigest,
    extendedTypesEnabled: config.extendedTypesEnabled,
    skipACL: config.skipACL,
    reconfigEnabled: config.reconfigEnabled,
    enforceQuota: config.enforceQuota,
    localSessionsEnabled: config.localSessionsEnabled,
    localSessionsUpgradingEnabled: config.localSessionsUpgradingEnabled,
    containerCheckIntervalMs: config.containerCheckIntervalMs,
    maxOutstandingPerConnection: config.globalOutstandingLimit,
    fsyncWarningThresholdMs: config.fsyncWarningThresholdMs,
    fourLetterWord: (server, conn, word) => answerFourLetterWord(server, config, conn, word),
    trace: writeTrace(),
    auth: security.auth,
    limits: config.security.limits,
  };
  const persistence = {
    dataDir: config.dataDir,
    dataLogDir: config.dataLogDir,
    snapCount: config.snapCount,
    autopurgeSnapRetainCount: config.autopurgeSnapRetainCount,
    autopurgePurgeIntervalHours: config.autopurgePurgeIntervalHours,
  };
  const listen = {
    port: me?.clientPort ?? config.clientPort,
    host: me?.clientHost ?? config.clientPortAddress,
    maxClientCnxns: config.maxClientCnxns,
    ...security.listen,
  };
  // An ensemble member's driver says which of its steps failed (a DriverFailure: the log
  // append, the epoch write, a TRUNC, applying a commit...).
  const onFatal = (err: unknown) => {
    const e = err instanceof Error ? err : new Error(String(err));
    const what = e instanceof DriverFailure ? e.message : `the ensemble driver failed: ${e.message}`;
    logger.fatal({ err: e.message, cause: (e.cause as Error | undefined)?.message, stack: ((e.cause as Error | undefined) ?? e).stack }, `${what}; stopping so that nothing unlogged is ever acknowledged`);
    process.exit(1);
  };

  const handle = await (ensemble
    ? startEnsembleMember(
        {
          myId,
          servers: config.servers,
          tickTimeMs: config.tickTimeMs,
          initLimitTicks: config.initLimitTicks,
          syncLimitTicks: config.syncLimitTicks,
          bindHost: config.quorumListenOnAllIPs ? '0.0.0.0' : (me?.host ?? '0.0.0.0'),
          configVersion: config.configVersion,
          proposedConfig: argv.config ? readProposedConfig(argv.config) : null,
          standaloneEnabled: config.standaloneEnabled,
          readOnlyModeEnabled: config.readOnlyModeEnabled,
        },
        settings,
        listen,
        persistence,
        logger,
        onFatal,
        security.peerSockets,
        // As 3.8 does with reconfigEnabled: the membership in zoo.cfg.dynamic.<version> beside
        // zoo.cfg, which is rewritten to name it (without it, 3.8 leaves zoo.cfg alone).
        argv.config && config.reconfigEnabled ? new DynamicConfigFiles(argv.config, myId, config.configVersion, logger) : undefined,
      )
    : startStandalone(settings, listen, persistence, logger)
  ).catch((e: Error) => {
    // Corrupt data, a locked data directory, a busy port: say what and stop.
    logger.fatal({ err: e.message, kind: e.name }, 'cannot start');
    console.error(`zkserver: cannot start: ${e.message}`);
    process.exit(1);
  });

  // admin.serverPort (8080 unless admin.enableServer=false) and, with the Prometheus metrics
  // provider configured, metricsProvider.httpPort (7000).
  const ops = await startOpsEndpoints(handle.server, config, logger).catch(async (e: Error) => {
    logger.fatal({ err: e.message }, 'cannot start');
    console.error(`zkserver: ${e.message} (set admin.serverPort, or admin.enableServer=false)`);
    await handle.stop();
    process.exit(1);
  });

  // Held for as long again as this start took (performance.now() counts from the process's start).
  const stopCompaction = startIdleHeapCompaction(systemClock, logger, undefined, undefined, performance.now());

  let stopping = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (stopping) return; // a second signal waits for the first shutdown
    stopping = true;
    logger.info({ signal }, 'shutting down');
    stopCompaction();
    void ops
      .close()
      .then(() => handle.stop())
      .then(() => security.close())
      .then(() => process.exit(0));
  };
  for (const sig of ['SIGTERM', 'SIGINT'] as const) process.on(sig, shutdown);
}

await main(log);
