import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { settledRss } from './rows-state.js';

/** A child holding 200 MB in `held` that runs `release` (it must print 'empty' when done); settledRss's result on it, and what it printed. */
async function settleOn(release: string): Promise<{ rss: number[]; afterS: number; lines: string[] }> {
  const child = spawn(
    process.execPath,
    [
      '--expose-gc',
      '-e',
      `let held = Array.from({ length: 10 }, () => Buffer.alloc(20 * 1024 * 1024, 1));
       process.stdout.write('full\\n');
       ${release}
       setInterval(() => {}, 1000);`,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  try {
    const lines: string[] = [];
    child.stdout.setEncoding('utf8').on('data', (d: string) => lines.push(...d.split('\n').filter(Boolean)));
    while (!lines.includes('full')) await once(child.stdout, 'data');
    return { ...(await settledRss([child.pid!])), lines };
  } finally {
    child.kill('SIGKILL');
  }
}

describe('settledRss', () => {
  it('waits until a process that gives memory back has stopped shrinking', async () => {
    // Frees its buffers in steps of 20 MB, one per 300 ms.
    const { rss, afterS, lines } = await settleOn(
      `const t = setInterval(() => { held.pop(); globalThis.gc(); if (!held.length) { clearInterval(t); process.stdout.write('empty\\n'); } }, 300);`,
    );
    // It returned only once the child had given back its buffers, so its RSS is well under them.
    expect(lines).toContain('empty');
    expect(rss[0]!).toBeLessThan(150 * 1024 * 1024);
    expect(afterS).toBeGreaterThanOrEqual(10);
  }, 60_000);

  it('waits out a quiet spell before a process gives memory back', async () => {
    // Frees it all at once seven seconds in, as a server that collects only after some idle
    // seconds (zab's second idle collection: six): a shorter window returns before it.
    const { rss, lines } = await settleOn(`setTimeout(() => { held = []; globalThis.gc(); process.stdout.write('empty\\n'); }, 7000);`);
    expect(lines).toContain('empty');
    expect(rss[0]!).toBeLessThan(150 * 1024 * 1024);
  }, 90_000);
});
