// Value parsers for zoo.cfg entries: each throws a ConfigError naming the entry (where, key, value).
import { ConfigError, type Entry } from './properties.js';

/** Stops start-up: `e` is not what `what` says it must be. */
export function bad(e: Entry, what: string): never {
  throw new ConfigError(`${e.where}: ${e.key} ${what}, got "${e.value}"`);
}

/** A whole number in [min, max] (Java int by default). */
export function int(e: Entry, min = -0x80000000, max = 0x7fffffff): number {
  const v = e.value.trim();
  if (!/^[+-]?\d+$/.test(v)) bad(e, 'must be an integer');
  const n = Number(v);
  if (n < min || n > max) bad(e, min === 1 ? 'must be a positive integer' : `must be between ${min} and ${max}`);
  return n;
}

/** A TCP port, 0 to 65535. */
export function port(e: Entry): number {
  return int(e, 0, 65535);
}

/** An http(s) URL with a host, without a trailing slash. */
export function httpUrl(e: Entry): string {
  let u: URL;
  try {
    u = new URL(e.value.trim());
  } catch {
    bad(e, 'must be a URL such as http://zk1:8080');
  }
  if ((u.protocol !== 'http:' && u.protocol !== 'https:') || !u.host) bad(e, 'must be an http:// or https:// URL such as http://zk1:8080');
  return u.href.replace(/\/+$/, '');
}

/** true/yes or false/no, as Java's properties are read by ZooKeeper. */
export function bool(e: Entry): boolean {
  const v = e.value.trim().toLowerCase();
  if (v === 'true' || v === 'yes') return true;
  if (v === 'false' || v === 'no') return false;
  bad(e, 'must be true or false');
}
