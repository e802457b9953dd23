import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { settledRss } from './rows-state.js';

describe('settledRss', () => {
  it('waits until a process that gives memory back has stopped shrinking', async () => {
    // A child that holds 200 MB, then frees it in steps of 20 MB, one per 300 ms.
    const child = spawn(
      process.execPath,
      [
        '--expose-gc',
        '-e',
        `let held = Array.from({ length: 10 }, () => Buffer.alloc(20 * 1024 * 1024, 1));
         process.stdout.write('full\\n');
         const t = setInterval(() => { held.pop(); globalThis.gc(); if (!held.length) { clearInterval(t); process.stdout.write('empty\\n'); } }, 300);
         setInterval(() => {}, 1000);`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    try {
      const lines: string[] = [];
      child.stdout.setEncoding('utf8').on('data', (d: string) => lines.push(...d.split('\n').filter(Boolean)));
      while (!lines.includes('full')) await once(child.stdout, 'data');
      const { rss, afterS } = await settledRss([child.pid!]);
      // It returned only once the child had given back its buffers, so its RSS is well under them.
      expect(lines).toContain('empty');
      expect(rss[0]!).toBeLessThan(150 * 1024 * 1024);
      expect(afterS).toBeGreaterThanOrEqual(5);
    } finally {
      child.kill('SIGKILL');
    }
  }, 60_000);
});
