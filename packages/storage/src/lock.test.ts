import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DataDirLockedError } from './errors.js';
import { openStorage } from './level.js';
import { tempDir } from './test-support/harness.js';

const built = fileURLToPath(new URL('../dist/index.js', import.meta.url));

/** Runs openStorage in a fresh node process; resolves with its exit code and what it printed. */
function openInOtherProcess(opts: { dataDir: string; dataLogDir?: string }): Promise<{ code: number | null; out: string }> {
  if (!existsSync(built)) throw new Error(`${built} is missing: build first (npx tsc -b)`);
  const script = `import(${JSON.stringify(built)})
    .then((m) => m.openStorage(${JSON.stringify(opts)}))
    .then(async (s) => { console.log('opened'); await s.close(); process.exit(0); },
          (e) => { console.log(e.name + ': ' + e.message); process.exit(3); });`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, out })));
}

describe('data directory lock', () => {
  it('refuses a second process on the same dataDir, naming the directory', async () => {
    const dataDir = tempDir('zab-lock-');
    const s = await openStorage({ dataDir });
    const r = await openInOtherProcess({ dataDir });
    expect(r.code).toBe(3);
    expect(r.out).toContain(`DataDirLockedError: ${join(dataDir, 'zab-data')} is in use by another process`);
    await s.close();
    // Once the first has closed, the other can open it.
    expect(await openInOtherProcess({ dataDir })).toEqual({ code: 0, out: 'opened\n' });
  });

  it('refuses a second process on the same dataLogDir', async () => {
    const dataDir = tempDir('zab-lock-');
    const dataLogDir = tempDir('zab-lock-log-');
    const s = await openStorage({ dataDir, dataLogDir });
    const r = await openInOtherProcess({ dataDir: tempDir('zab-lock-other-'), dataLogDir });
    expect(r.code).toBe(3);
    expect(r.out).toContain(`DataDirLockedError: ${join(dataLogDir, 'zab-log')} is in use`);
    await s.close();
  });

  it('refuses a second open in the same process', async () => {
    const dataDir = tempDir('zab-lock-');
    const s = await openStorage({ dataDir });
    await expect(openStorage({ dataDir })).rejects.toThrow(DataDirLockedError);
    await s.close();
  });
});
