import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../errors.js';
import { completePath, createCompleter, splitPartialPath } from './completer.js';
import { HistoryWriter, historyFile, loadHistory } from './history.js';
import { splitLine } from './split-line.js';

describe('splitLine', () => {
  it('splits on blanks and honours quotes and escapes', () => {
    expect(splitLine('  ls   -R /a ')).toEqual(['ls', '-R', '/a']);
    expect(splitLine(`create /a 'hello world'`)).toEqual(['create', '/a', 'hello world']);
    expect(splitLine('create /a "say \\"hi\\""')).toEqual(['create', '/a', 'say "hi"']);
    expect(splitLine('create /a ""')).toEqual(['create', '/a', '']);
    expect(splitLine('set /a x\\ y')).toEqual(['set', '/a', 'x y']);
    expect(splitLine(`set /a it"'"s`)).toEqual(['set', '/a', "it's"]);
  });

  it('refuses an unterminated quote', () => {
    expect(() => splitLine(`create /a 'oops`)).toThrow(UsageError);
  });
});

/** A tree of names for the completer to list: path -> children. */
function fakeTree(tree: Record<string, string[]>): (p: string) => Promise<string[]> {
  return async (p) => {
    const c = tree[p];
    if (!c) throw new Error(`NoNode ${p}`);
    return c;
  };
}

function complete(c: ReturnType<typeof createCompleter>, line: string): Promise<[string[], string]> {
  return new Promise((resolve, reject) => c(line, (err, r) => (err ? reject(err) : resolve(r))));
}

describe('completer', () => {
  const list = fakeTree({ '/': ['zookeeper', 'app', 'apple', 'b'], '/app': ['config', 'cache'], '/app/config': [] });
  const completer = createCompleter(['ls', 'get', 'getAcl', 'quit'], list);

  it('splits a partial path into the parent to list and the prefix typed', () => {
    expect(splitPartialPath('/')).toEqual({ parent: '/', prefix: '' });
    expect(splitPartialPath('/ap')).toEqual({ parent: '/', prefix: 'ap' });
    expect(splitPartialPath('/app/')).toEqual({ parent: '/app', prefix: '' });
    expect(splitPartialPath('/app/c')).toEqual({ parent: '/app', prefix: 'c' });
  });

  it("lists the children of the typed prefix's parent", async () => {
    expect(await completePath('/ap', list)).toEqual(['/app', '/apple']);
    expect(await completePath('/app/', list)).toEqual(['/app/cache', '/app/config']);
    expect(await completePath('/app/co', list)).toEqual(['/app/config']);
    expect(await completePath('/nope/x', list)).toEqual([]);
  });

  it('completes command names first, then paths', async () => {
    expect(await complete(completer, 'ge')).toEqual([['get', 'getAcl'], 'ge']);
    expect(await complete(completer, 'ls /ap')).toEqual([['/app', '/apple'], '/ap']);
    expect(await complete(completer, 'get -s /app/ca')).toEqual([['/app/cache'], '/app/ca']);
    expect(await complete(completer, '  ls /')).toEqual([['/app', '/apple', '/b', '/zookeeper'], '/']);
    expect(await complete(completer, 'ls -')).toEqual([[], '-']);
  });
});

describe('history', () => {
  it('lives in ~/.zab_cli_history unless ZAB_CLI_HISTORY says otherwise', () => {
    expect(historyFile({ HOME: '/home/u' })).toBe(path.join(os.homedir(), '.zab_cli_history'));
    expect(historyFile({ ZAB_CLI_HISTORY: '/tmp/h' })).toBe('/tmp/h');
  });

  it('appends lines, loads the newest, and trims a file grown to twice the bound', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'zkcli-history-'));
    try {
      const file = path.join(dir, 'h');
      expect(loadHistory(file)).toEqual([]);
      const w = new HistoryWriter(file, () => {});
      for (const l of ['ls /', '', 'get /a', 'create /b x']) w.append(l);
      expect(loadHistory(file)).toEqual(['ls /', 'get /a', 'create /b x']);
      expect(loadHistory(file, 2)).toEqual(['get /a', 'create /b x']);
      await writeFile(file, Array.from({ length: 8 }, (_, i) => `cmd ${i}\n`).join(''));
      expect(loadHistory(file, 4)).toEqual(['cmd 4', 'cmd 5', 'cmd 6', 'cmd 7']);
      expect(await readFile(file, 'utf8')).toBe('cmd 4\ncmd 5\ncmd 6\ncmd 7\n');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('warns once and carries on when the file cannot be written', () => {
    const warnings: string[] = [];
    const w = new HistoryWriter('/nonexistent-dir/h', (m) => warnings.push(m));
    w.append('ls /');
    w.append('ls /a');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/history not saved to \/nonexistent-dir\/h/);
  });
});
