#!/usr/bin/env node
// `npm start`: runs zab from this checkout with its data under ./data. By default a
// standalone server on 127.0.0.1:2181 (override with ZAB_PORT). Builds first if needed.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { spawn, spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(root, 'packages/server/dist/bin/zkserver.js');
if (!existsSync(bin)) {
  const r = spawnSync('npx', ['tsc', '-b'], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

const port = process.env.ZAB_PORT ?? '2181';
const dataDir = join(root, 'data', 'standalone');
mkdirSync(dataDir, { recursive: true });
const cfg = join(root, 'data', 'zoo.cfg');
if (!existsSync(cfg)) {
  writeFileSync(
    cfg,
    [
      '# Written by npm start; edit freely (it is kept across runs).',
      'tickTime=2000',
      `dataDir=${dataDir}`,
      `clientPort=${port}`,
      'clientPortAddress=127.0.0.1',
      '4lw.commands.whitelist=*',
      'extendedTypesEnabled=true',
      '',
    ].join('\n'),
  );
}
console.error(`zab: starting with ${cfg} (Ctrl-C stops it)`);
const child = spawn(process.execPath, [bin, '--config', cfg, ...process.argv.slice(2)], { stdio: 'inherit' });
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
