// kazoo (Debian's python3-kazoo) and its recipes against a server started by the suite. The
// checks live in kazoo_suite.py; this runs it with Debian's python, which has the package.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startCompatServer, type CompatServer } from './target.js';

let server: CompatServer;
beforeAll(async () => {
  server = await startCompatServer();
});
afterAll(async () => {
  await server?.stop();
});

it('passes the kazoo client and recipe suite', async () => {
  const script = fileURLToPath(new URL('./kazoo_suite.py', import.meta.url));
  const child = spawn('/usr/bin/python3', [script, server.allHosts], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  expect(code, out).toBe(0);
  expect(out).toContain('kazoo suite passed');
}, 180_000);
