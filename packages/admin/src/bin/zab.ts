#!/usr/bin/env node
// zab: admin tasks on a stopped server's data. `zab import --from-zookeeper` and
// `zab export --to-zookeeper` move a tree between Apache ZooKeeper's files and zab's.
import { ConfigError, loadConfig, type ServerConfig } from '@zab/server';
import { hex64 as hex } from '@zab/jute';
import { CorruptDataError, DataDirLockedError } from '@zab/storage';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { exportToZooKeeper } from '../export-zookeeper.js';
import { importFromZooKeeper } from '../import-zookeeper.js';
import { MigrationRefusedError, ZkDataError } from '../zookeeper/errors.js';

/** Exit statuses: 1 refused or damaged input (nothing written), 2 bad usage or zoo.cfg. */
const EXIT_REFUSED = 1;
const EXIT_USAGE = 2;

const say = (line: string) => console.log(line);

function config(path: string): ServerConfig {
  const { config, warnings } = loadConfig({ configPath: path });
  for (const w of warnings.filter((w) => !/not used by zab|unknown/i.test(w))) console.error(`zab: ${w}`);
  return config;
}

async function run(task: () => Promise<void>): Promise<void> {
  try {
    await task();
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(`zab: ${e.message}`);
      process.exit(EXIT_USAGE);
    }
    // RecoveryError (export over zab data that does not recover) is @zab/server's, known by name.
    const refused = e instanceof ZkDataError || e instanceof MigrationRefusedError || e instanceof CorruptDataError || e instanceof DataDirLockedError;
    if (refused || (e instanceof Error && e.name === 'RecoveryError')) {
      console.error(`zab: ${e.message}`);
      console.error('zab: nothing was written');
      process.exit(EXIT_REFUSED);
    }
    throw e;
  }
}

await yargs(hideBin(process.argv))
  .scriptName('zab')
  .usage('$0 <command> ...\n\nAdmin tasks on a stopped server\'s data.')
  .command(
    'import [dataLogDir]',
    'import Apache ZooKeeper 3.4-3.9 data (snapshot.* and log.* files) into the zab server a zoo.cfg describes',
    (y) =>
      y
        .usage('$0 import --from-zookeeper <dataDir> [<dataLogDir>] --config <zoo.cfg>')
        .option('from-zookeeper', { type: 'string', demandOption: true, describe: "ZooKeeper's dataDir (holding version-2/)" })
        .option('config', { alias: 'c', type: 'string', demandOption: true, describe: "the zab server's zoo.cfg (its dataDir and dataLogDir receive the data)" })
        .positional('dataLogDir', { type: 'string', describe: "ZooKeeper's dataLogDir, when its logs are not in dataDir" }),
    (argv) =>
      run(async () => {
        const r = await importFromZooKeeper({ zkDataDir: argv['from-zookeeper'], zkDataLogDir: argv.dataLogDir, config: config(argv.config), say });
        say(`imported ${r.nodes} znodes and ${r.sessions} sessions at zxid ${hex(r.lastZxid)} (snapshot ${r.snapshot ?? 'none'} + ${r.txnsReplayed} txns from ${r.logs.length} logs)`);
        say(`digests checked: ${r.digestsChecked.length ? r.digestsChecked.join('; ') : 'none recorded (ZooKeeper before 3.6, or digests off)'}`);
        say(`epochs: acceptedEpoch ${r.acceptedEpoch}, currentEpoch ${r.currentEpoch}; myid ${r.myid === 'copied' ? 'copied' : r.myid === 'kept' ? 'already present' : 'not found in the ZooKeeper dataDir'}`);
      }),
  )
  .command(
    'export',
    'write the data of the (stopped) zab server a zoo.cfg describes as a snapshot Apache ZooKeeper loads',
    (y) =>
      y
        .usage('$0 export --to-zookeeper <dir> --config <zoo.cfg>')
        .option('to-zookeeper', { type: 'string', demandOption: true, describe: "the ZooKeeper dataDir to write (its version-2/ must hold no snapshot or log)" })
        .option('config', { alias: 'c', type: 'string', demandOption: true, describe: "the zab server's zoo.cfg" }),
    (argv) =>
      run(async () => {
        const r = await exportToZooKeeper({ targetDir: argv['to-zookeeper'], config: config(argv.config), say });
        say(`exported ${r.nodes} znodes and ${r.sessions} sessions at zxid ${hex(r.zxid)} to ${r.snapshot}`);
        say(`epochs: acceptedEpoch ${r.acceptedEpoch}, currentEpoch ${r.currentEpoch}; myid ${r.myid}`);
      }),
  )
  .demandCommand(1)
  .strict()
  .fail((msg, err, y) => {
    if (err) throw err;
    console.error(`${y.help()}\n\nzab: ${msg}`);
    process.exit(EXIT_USAGE);
  })
  .help()
  .parseAsync();
