/** A setting that stops start-up; the message names where and what. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** A raw key/value with where it came from (file:line, or a flag). */
export interface Entry {
  key: string;
  value: string;
  where: string;
}

/**
 * Parses Java-properties text: `#`/`!` comments, `key=value`, `key: value` or
 * `key value`, continuation lines ending in an odd number of backslashes, and the usual
 * escapes. Later duplicates win, as in java.util.Properties.
 */
export function parseProperties(text: string, source: string): Entry[] {
  const lines = text.split(/\r\n|\r|\n/);
  const out: Entry[] = [];
  for (let i = 0; i < lines.length; i++) {
    const first = i;
    let logical = lines[i]!.replace(/^[ \t\f]+/, '');
    if (logical === '' || logical[0] === '#' || logical[0] === '!') continue;
    while (endsWithOddBackslashes(logical) && i + 1 < lines.length) {
      logical = logical.slice(0, -1) + lines[++i]!.replace(/^[ \t\f]+/, '');
    }
    let k = 0;
    let key = '';
    while (k < logical.length) {
      const c = logical[k]!;
      if (c === '\\' && k + 1 < logical.length) {
        key += c + logical[k + 1];
        k += 2;
        continue;
      }
      if (c === '=' || c === ':' || c === ' ' || c === '\t' || c === '\f') break;
      key += c;
      k++;
    }
    let rest = logical.slice(k).replace(/^[ \t\f]+/, '');
    if (rest[0] === '=' || rest[0] === ':') rest = rest.slice(1).replace(/^[ \t\f]+/, '');
    out.push({ key: unescape(key), value: unescape(rest), where: `${source}:${first + 1}` });
  }
  return out;
}

function endsWithOddBackslashes(s: string): boolean {
  let n = 0;
  for (let i = s.length - 1; i >= 0 && s[i] === '\\'; i--) n++;
  return n % 2 === 1;
}

function unescape(s: string): string {
  return s.replace(/\\(u[0-9a-fA-F]{4}|.)/g, (_, e: string) => {
    if (e[0] === 'u' && e.length === 5) return String.fromCharCode(parseInt(e.slice(1), 16));
    return ({ t: '\t', n: '\n', r: '\r', f: '\f' } as Record<string, string>)[e] ?? e;
  });
}

