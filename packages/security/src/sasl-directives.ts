// The directive lists DIGEST-MD5 messages are made of (RFC 2831 section 7.1): comma-separated
// name=value pairs, a value being a token or a quoted string with backslash escapes, with
// optional white space around the separators and empty list elements allowed.

import { SaslError } from './errors.js';

const TOKEN = /[!#$%&'*+\-.0-9A-Z^_`a-z|~]/;

/** Parses a directive list. Names are lower-cased (they are case-insensitive); a name given
 *  twice keeps every value in order. Throws SaslError for anything malformed. */
export function parseDirectives(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let i = 0;
  const skipSpace = () => {
    while (i < text.length && (text[i] === ' ' || text[i] === '\t' || text[i] === '\r' || text[i] === '\n')) i++;
  };
  for (;;) {
    skipSpace();
    if (i >= text.length) break;
    if (text[i] === ',') {
      i++;
      continue;
    }
    const nameStart = i;
    while (i < text.length && TOKEN.test(text[i]!)) i++;
    const name = text.slice(nameStart, i).toLowerCase();
    if (name.length === 0) throw new SaslError(`malformed directive at character ${i + 1}`);
    skipSpace();
    if (text[i] !== '=') throw new SaslError(`directive ${name} has no value`);
    i++;
    skipSpace();
    let value = '';
    if (text[i] === '"') {
      i++;
      for (;;) {
        if (i >= text.length) throw new SaslError(`unterminated quoted value of ${name}`);
        const c = text[i]!;
        if (c === '"') break;
        if (c === '\\' && i + 1 < text.length) {
          value += text[i + 1];
          i += 2;
        } else {
          value += c;
          i++;
        }
      }
      i++;
    } else {
      const start = i;
      while (i < text.length && TOKEN.test(text[i]!)) i++;
      value = text.slice(start, i);
    }
    const values = out.get(name);
    if (values) values.push(value);
    else out.set(name, [value]);
    skipSpace();
    if (i < text.length && text[i] !== ',') throw new SaslError(`expected "," after directive ${name}`);
  }
  return out;
}

/** The single value of `name`, or undefined; a second occurrence is an error (RFC 2831 allows
 *  repetition only where it says so, e.g. realm in a challenge). */
export function single(directives: Map<string, string[]>, name: string): string | undefined {
  const values = directives.get(name);
  if (!values) return undefined;
  if (values.length > 1) throw new SaslError(`directive ${name} appears ${values.length} times`);
  return values[0];
}

/** Quotes a value for a directive list. */
export function quote(value: string): string {
  return `"${value.replace(/(["\\])/g, '\\$1')}"`;
}
