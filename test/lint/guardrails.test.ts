// The ESLint guardrails (eslint.config.js) fail on what they forbid and pass what they allow:
// code is linted as if it stood at a path of the repository, so the config's file patterns,
// exceptions and server allow-list are exercised as `npm test` runs them.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const eslint = new ESLint({ cwd: ROOT });

/** The rule ids ESLint reports for `code` placed at `file` (relative to the repository). */
async function rulesHit(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(ROOT, file) });
  const fatal = result!.messages.find((m) => m.fatal);
  if (fatal) throw new Error(`${file}: ${fatal.message}`);
  return result!.messages.map((m) => m.ruleId ?? 'none');
}

const CORE = 'packages/quorum/src/guardrail-fixture.ts';

describe('the quorum core stays pure', () => {
  it.each([
    ["import net from 'node:net';\nexport const s = net;", 'no-restricted-imports'],
    ["import { readFileSync } from 'fs';\nexport const r = readFileSync;", 'no-restricted-imports'],
    ["import { Worker } from 'node:worker_threads';\nexport const w = Worker;", 'no-restricted-imports'],
    ["import { randomBytes } from 'node:crypto';\nexport const r = randomBytes;", 'no-restricted-imports'],
    ['export const now = (): number => Date.now();', 'no-restricted-globals'],
    ['export const t = (): number => performance.now();', 'no-restricted-globals'],
    ['export function later(f: () => void): void { setTimeout(f, 10); }', 'no-restricted-globals'],
    ['export function soon(f: () => void): void { setImmediate(f); }', 'no-restricted-globals'],
    ['export const id = (): string => crypto.randomUUID();', 'no-restricted-globals'],
    ['export const r = (): number => Math.random();', 'no-restricted-properties'],
    ['export const t = (): bigint => process.hrtime.bigint();', 'no-restricted-properties'],
    ['export function later(f: () => void): void { globalThis.setTimeout(f, 10); }', 'no-restricted-syntax'],
    ["export const load = () => import('node:fs');", 'no-restricted-syntax'],
    ["export const seed = (): string | undefined => process.env['SEED'];", 'no-restricted-globals'],
  ])('refuses %j', async (code, rule) => {
    expect(await rulesHit(CORE, code)).toContain(rule);
  });

  it('allows pure code, node:assert, and ticks passed in', async () => {
    const pure = [
      "import assert from 'node:assert';",
      'export function onTick(ticks: number, timeoutTicks: number): boolean {',
      '  assert(ticks >= 0, "ticks only grow");',
      '  return ticks >= timeoutTicks;',
      '}',
    ].join('\n');
    expect(await rulesHit(CORE, pure)).toEqual([]);
  });

  it('leaves the transport, the simulator command line and the core tests their I/O', async () => {
    const io = "import net from 'node:net';\nexport function later(f: () => void): net.Server { setTimeout(f, 10); return net.createServer(); }";
    expect(await rulesHit('packages/quorum/src/transport/guardrail-fixture.ts', io)).toEqual([]);
    expect(await rulesHit('packages/quorum/src/sim/run.ts', 'process.exit(Date.now() > 0 ? 0 : 1);')).toEqual([]);
    expect(await rulesHit('packages/quorum/src/guardrail-fixture.test.ts', "export const seeds = Number(process.env['SEEDS'] ?? 10);")).toEqual([]);
    expect(await rulesHit('packages/quorum/src/guardrail-fixture.test.ts', 'export const now = Date.now();')).toEqual(['no-restricted-globals']);
  });
});

describe('no module-level mutable state in packages/*/src', () => {
  const SRC = 'packages/client/src/guardrail-fixture.ts';

  it.each([
    ['let count = 0;\nexport const next = (): number => ++count;', 'no-restricted-syntax'],
    ['export let current = 0;', 'no-restricted-syntax'],
    ['var legacy = 1;\nexport const get = (): number => legacy;', 'no-restricted-syntax'],
    ['const seen = new Map<string, number>();\nexport function see(k: string): void { seen.set(k, 1); }', 'zab/no-mutated-module-state'],
    ['const ids = new Set<number>();\nexport const forget = (id: number): boolean => ids.delete(id);', 'zab/no-mutated-module-state'],
    ['const queue: number[] = [];\nexport function put(n: number): void { queue.push(n); }', 'zab/no-mutated-module-state'],
    ['const state = { open: 0 };\nexport function open(): void { state.open += 1; }', 'zab/no-mutated-module-state'],
    ['const state = { open: 0 };\nexport function open(): void { state.open++; }', 'zab/no-mutated-module-state'],
    ['const byName: Record<string, number> = {};\nexport function name(k: string): void { byName[k] = 1; }', 'zab/no-mutated-module-state'],
    ['const nested = { inner: new Set<number>() };\nexport function add(n: number): void { nested.inner.add(n); }', 'zab/no-mutated-module-state'],
    ['const opts = { a: 1 };\nexport function set(): void { Object.assign(opts, { a: 2 }); }', 'zab/no-mutated-module-state'],
    ['const opts: { a?: number } = { a: 1 };\nexport function unset(): void { delete opts.a; }', 'zab/no-mutated-module-state'],
  ])('refuses %j', async (code, rule) => {
    expect(await rulesHit(SRC, code)).toContain(rule);
  });

  it('allows const tables that are only read, and state kept in objects', async () => {
    const ok = [
      "const NAMES = new Map<number, string>([[1, 'create']]);",
      'const ORDER = [3, 1, 2] as const;',
      'const LIMITS = { maxBytes: 1024 };',
      'export const name = (n: number): string => NAMES.get(n) ?? `unknown(${n})`;',
      'export const sorted = (): number[] => [...ORDER].sort();',
      'export const limit = (): number => LIMITS.maxBytes;',
      'export class Counter {',
      '  private readonly seen = new Map<string, number>();',
      '  private n = 0;',
      '  see(k: string): number { this.seen.set(k, ++this.n); return this.n; }',
      '}',
    ].join('\n');
    expect(await rulesHit(SRC, ok)).toEqual([]);
  });

  it('leaves tests alone and exempts no source file', async () => {
    const state = 'let n = 0;\nexport const next = (): number => ++n;';
    expect(await rulesHit('packages/client/src/guardrail-fixture.test.ts', state)).toEqual([]);
    expect(await rulesHit('packages/server/src/connection.ts', state)).toEqual(['no-restricted-syntax']);
    expect(await rulesHit('packages/server/src/guardrail-fixture.ts', state)).toEqual(['no-restricted-syntax']);
  });
});
