// Assertions on a zkcli run: exit status, stdout and stderr together, so a failure shows all
// three; and the shape of zkCli's stat block.
import { expect } from 'vitest';
import type { Ran } from './run-zkcli.js';

function show(r: Ran): string {
  return `status ${r.status} (signal ${r.signal})\n--- stdout\n${r.stdout}--- stderr\n${r.stderr}---`;
}

/** Exact (string) or matching (RegExp) stdout and stderr, and the exit status. */
export function expectRun(r: Ran, status: number, stdout: string | RegExp, stderr: string | RegExp = ''): void {
  expect(r.status, show(r)).toBe(status);
  if (typeof stdout === 'string') expect(r.stdout, show(r)).toBe(stdout);
  else expect(r.stdout, show(r)).toMatch(stdout);
  if (typeof stderr === 'string') expect(r.stderr, show(r)).toBe(stderr);
  else expect(r.stderr, show(r)).toMatch(stderr);
}

/** A successful run's stdout parsed as one JSON value per line. */
export function jsonLines(r: Ran): any[] {
  expect(r.status, show(r)).toBe(0);
  expect(r.stderr, show(r)).toBe('');
  return r.stdout
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l));
}

const DATE = '\\w{3} \\w{3} \\d{2} \\d{2}:\\d{2}:\\d{2} UTC \\d{4}';
const HEX = '0x[0-9a-f]+';
const STAT_SHAPE = [
  `cZxid = ${HEX}`,
  `ctime = ${DATE}`,
  `mZxid = ${HEX}`,
  `mtime = ${DATE}`,
  `pZxid = ${HEX}`,
  'cversion = \\d+',
  'dataVersion = \\d+',
  'aclVersion = \\d+',
  `ephemeralOwner = ${HEX}`,
  'dataLength = \\d+',
  'numChildren = \\d+',
].map((s) => new RegExp(`^${s}$`));

/** Checks that `lines` is zkCli's eleven-line stat block and that the named fields have these values. */
export function expectStat(lines: readonly string[], values: Record<string, string | number> = {}): void {
  expect(lines).toHaveLength(STAT_SHAPE.length);
  lines.forEach((l, i) => expect(l).toMatch(STAT_SHAPE[i]!));
  for (const [k, v] of Object.entries(values)) expect(lines).toContain(`${k} = ${v}`);
}

/** stdout as lines, without the empty string after the final newline. */
export function lines(r: Ran): string[] {
  return r.stdout.split('\n').slice(0, -1);
}
