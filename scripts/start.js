#!/usr/bin/env node
// `npm start`: runs a local zab ensemble from this checkout, data and logs under the project
// folder. Builds first if needed.
//   npm start                       3 voting members on 127.0.0.1:2181,2182,2183
//   npm start -- --nodes 5          5 voting members (2181..2185)
//   npm start -- --observers 1      plus an observer (next client port)
//   npm start -- --standalone       one standalone server on 127.0.0.1:2181
// ZAB_PORT moves the first client port (quorum ports from 2888 and election ports from
// 3888 move with it). Each member has data/node-N/{zoo.cfg,data/} and logs/node-N.log; the
// zoo.cfg files are written on first use and then kept, so they can be edited.
import { createWriteStream, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { spawn, spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';

const argv = yargs(hideBin(process.argv))
  .scriptName('npm start --')
  .option('nodes', { type: 'number', default: 3, describe: 'voting members (an odd number: 3 or 5)' })
  .option('observers', { type: 'number', default: 0, describe: 'observers besides the voting members' })
  .option('standalone', { type: 'boolean', default: false, describe: 'one standalone server instead of an ensemble' })
  .strict()
  .help()
  .parseSync();

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(root, 'packages/server/dist/bin/zkserver.js');
if (!existsSync(bin)) {
  const r = spawnSync('npx', ['tsc', '-b'], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

const offset = Number(process.env.ZAB_PORT ?? '2181') - 2181;
const voters = argv.standalone ? 1 : argv.nodes;
const total = argv.standalone ? 1 : voters + argv.observers;
if (voters < 1 || (!argv.standalone && voters < 3)) {
  console.error('zab: an ensemble needs at least 3 voting members (or use --standalone)');
  process.exit(2);
}

const members = [];
for (let id = 1; id <= total; id++) {
  const home = argv.standalone ? join(root, 'data', 'standalone') : join(root, 'data', `node-${id}`);
  members.push({ id, home, client: 2181 + offset + id - 1, quorum: 2888 + offset + id - 1, election: 3888 + offset + id - 1, observer: id > voters });
}

function writeConfig(m) {
  const dataDir = join(m.home, 'data');
  mkdirSync(dataDir, { recursive: true });
  const cfg = join(m.home, 'zoo.cfg');
  if (!existsSync(cfg)) {
    const lines = [
      '# Written by npm start; edit freely (it is kept across runs).',
      'tickTime=2000',
      'initLimit=10',
      'syncLimit=5',
      `dataDir=${dataDir}`,
      '4lw.commands.whitelist=*',
      'extendedTypesEnabled=true',
    ];
    if (argv.standalone) lines.push(`clientPort=${m.client}`, 'clientPortAddress=127.0.0.1');
    else {
      if (m.observer) lines.push('peerType=observer');
      for (const o of members) {
        lines.push(`server.${o.id}=127.0.0.1:${o.quorum}:${o.election}${o.observer ? ':observer' : ''};127.0.0.1:${o.client}`);
      }
    }
    writeFileSync(cfg, lines.join('\n') + '\n');
  }
  if (!argv.standalone) writeFileSync(join(dataDir, 'myid'), `${m.id}\n`);
  return cfg;
}

mkdirSync(join(root, 'logs'), { recursive: true });
const children = [];
for (const m of members) {
  const cfg = writeConfig(m);
  const logFile = join(root, 'logs', argv.standalone ? 'standalone.log' : `node-${m.id}.log`);
  const log = createWriteStream(logFile, { flags: 'a' });
  // Each member's admin server gets its own port (8080, 8081, ...): they share one host. The
  // web console on each reads every member's admin server, so each is told where they are.
  const adminPort = String(8080 + offset + m.id - 1);
  const adminUrls = argv.standalone ? [] : members.flatMap((o) => [`--admin.url.${o.id}`, `http://127.0.0.1:${8080 + offset + o.id - 1}`]);
  const child = spawn(process.execPath, [bin, '--config', cfg, '--admin.serverPort', adminPort, ...adminUrls], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  // Start-up errors go to the terminal too, so a bad config is not silent.
  child.stderr.on('data', (d) => process.stderr.write(`[node ${m.id}] ${d}`));
  child.on('exit', (code, signal) => {
    if (stopping) return;
    console.error(`zab: member ${m.id} exited (${signal ?? code}); see ${logFile}; stopping the others`);
    stopAll(code || 1);
  });
  children.push(child);
  console.error(`zab: member ${m.id}${m.observer ? ' (observer)' : ''} on 127.0.0.1:${m.client} (admin http://127.0.0.1:${adminPort}/commands, console http://127.0.0.1:${adminPort}/console), config ${cfg}, log ${logFile}`);
}
const connect = members.map((m) => `127.0.0.1:${m.client}`).join(',');
console.error(`zab: connect with "${connect}" (Ctrl-C stops ${argv.standalone ? 'it' : 'the ensemble'})`);

let stopping = false;
function stopAll(code) {
  stopping = true;
  let left = children.filter((c) => c.exitCode === null && c.signalCode === null).length;
  if (!left) process.exit(code);
  for (const c of children) {
    if (c.exitCode !== null || c.signalCode !== null) continue;
    c.once('exit', () => --left === 0 && process.exit(code));
    c.kill('SIGTERM');
  }
}
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => stopAll(0));
