// The chaos suite at CI size: one seeded run on 3 real members in network namespaces, with
// real faults and real clients (npm run chaos -- --seed 4 --seconds 90). It fails on any
// anomaly, and when a member does not serve again within the bound after a heal. Seed 4
// stops the leader past the session timeout while it is cut off from the others, the case in
// which a resumed leader used to tell clients their sessions had expired. Needs root (CI runs
// as root), and the packages .ci/run installs.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { expect, it } from 'vitest';
import { REPO_ROOT } from '../support/launch.js';

const SEED = 4;
const SECONDS = 90;

/**
 * A seed at CI size takes 2-4 minutes on a busy 2-core machine; one still going after this
 * long hangs somewhere. It is then stopped (SIGTERM: the run kills its members and removes its
 * namespaces and disks) and the test fails with what it printed so far.
 */
const DEADLINE_MS = 10 * 60_000;

function runChaos(args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(REPO_ROOT, 'packages/chaos/bin/zab-chaos.js'), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const timer = setTimeout(() => {
      output += `\nthe chaos run was still going after ${DEADLINE_MS / 60_000} minutes: stopped\n`;
      child.kill('SIGTERM');
    }, DEADLINE_MS);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

it(`passes seed ${SEED} for ${SECONDS} s on 3 members: no anomaly, every member serves again after every heal`, async () => {
  const { code, output } = await runChaos(['--seed', String(SEED), '--seconds', String(SECONDS), '--members', '3']);
  console.log(output);
  const last = output.trim().split('\n').at(-1);
  expect(last, output).toBe('1 passed, 0 failed');
  expect(code, output).toBe(0);
  // The run did what it is there for: every op kind was recorded and faults ran.
  expect(output).toMatch(/ops \d+: ok \d+/);
  expect(output).toMatch(/faults: .*pause 1/);
}, DEADLINE_MS + 60_000);
