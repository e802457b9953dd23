// JAAS login configuration files, the format the JDK reads from
// -Djava.security.auth.login.config and ZooKeeper's deployments carry:
//
//   Server {
//     org.apache.zookeeper.server.auth.DigestLoginModule required
//       user_super="adminsecret"
//       user_alice="alicesecret";
//   };
//
// A file is a list of sections (login contexts); each holds one or more login modules: a class
// name, a control flag (required, requisite, sufficient, optional) and options name=value,
// ended by ';'. Values are double-quoted strings (backslash escapes as in Java) or bare words;
// ${name} inside a value is expanded from properties, as the JDK expands system properties.
// Comments are // and /* */. Errors name the file and line.

import { readFile } from 'node:fs/promises';
import { JaasSyntaxError } from './errors.js';

export type ControlFlag = 'required' | 'requisite' | 'sufficient' | 'optional';

/** One login module line of a section. `options` keeps the file's order; names are case-sensitive. */
export interface LoginModuleEntry {
  readonly loginModule: string;
  readonly flag: ControlFlag;
  readonly options: ReadonlyMap<string, string>;
  /** The line the module's class name stands on, for messages. */
  readonly line: number;
}

/** A parsed file: sections by name (case-sensitive, as Java's lookups are). */
export interface JaasConfig {
  readonly file: string;
  readonly sections: ReadonlyMap<string, readonly LoginModuleEntry[]>;
}

/** The section names ZooKeeper uses, and the settings that rename them. */
export const JAAS_SECTIONS = {
  /** zookeeper.sasl.serverconfig: the server's client-port SASL users. */
  server: 'Server',
  /** zookeeper.sasl.clientconfig: a client's credentials. */
  client: 'Client',
  /** quorum.auth.server.saslLoginContext: a member accepting learners. */
  quorumServer: 'QuorumServer',
  /** quorum.auth.learner.saslLoginContext: a member joining a leader. */
  quorumLearner: 'QuorumLearner',
} as const;

type Token = { kind: 'word' | 'string' | 'punct'; text: string; line: number };

const WORD = /[A-Za-z0-9_$*.\-\u0080-\uffff]/;
const MAX_FILE_CHARS = 1 << 20;

function tokenize(file: string, text: string): Token[] {
  const tokens: Token[] = [];
  let line = 1;
  let i = 0;
  const fail = (message: string): never => {
    throw new JaasSyntaxError(file, line, message);
  };
  while (i < text.length) {
    const c = text[i]!;
    if (c === '\n') {
      line++;
      i++;
    } else if (c === ' ' || c === '\t' || c === '\r' || c === '\f') {
      i++;
    } else if (c === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (c === '/' && text[i + 1] === '*') {
      const start = line;
      i += 2;
      while (i < text.length && !(text[i] === '*' && text[i + 1] === '/')) {
        if (text[i] === '\n') line++;
        i++;
      }
      if (i >= text.length) throw new JaasSyntaxError(file, start, 'comment /* is never closed');
      i += 2;
    } else if (c === '"') {
      const start = line;
      let value = '';
      i++;
      for (;;) {
        if (i >= text.length || text[i] === '\n') throw new JaasSyntaxError(file, start, 'quoted value is not closed on its line');
        const d = text[i]!;
        if (d === '"') break;
        if (d === '\\' && i + 1 < text.length) {
          const e = text[i + 1]!;
          value += e === 'n' ? '\n' : e === 't' ? '\t' : e === 'r' ? '\r' : e === 'b' ? '\b' : e === 'f' ? '\f' : e;
          i += 2;
        } else {
          value += d;
          i++;
        }
      }
      i++;
      tokens.push({ kind: 'string', text: value, line: start });
    } else if (c === '{' || c === '}' || c === ';' || c === '=') {
      tokens.push({ kind: 'punct', text: c, line });
      i++;
    } else if (WORD.test(c)) {
      let j = i;
      while (j < text.length && WORD.test(text[j]!)) j++;
      tokens.push({ kind: 'word', text: text.slice(i, j), line });
      i = j;
    } else {
      fail(`unexpected character "${c}"`);
    }
  }
  return tokens;
}

const FLAGS: readonly ControlFlag[] = ['required', 'requisite', 'sufficient', 'optional'];

/** Expands ${name} from `properties`; an unknown name is an error, as in the JDK. */
function expand(file: string, line: number, value: string, properties: (name: string) => string | undefined): string {
  return value.replace(/\$\{([^}]*)\}/g, (_m, name: string) => {
    const v = properties(name);
    if (v === undefined) throw new JaasSyntaxError(file, line, `\${${name}} names no property`);
    return v;
  });
}

/** Parses JAAS configuration text. `file` names it in errors; `properties` answers ${name}
 *  expansions (by default none is known). */
export function parseJaas(text: string, file = 'jaas.conf', properties: (name: string) => string | undefined = () => undefined): JaasConfig {
  if (text.length > MAX_FILE_CHARS) throw new JaasSyntaxError(file, 1, 'file too large for a JAAS configuration');
  const tokens = tokenize(file, text);
  let pos = 0;
  const lastLine = tokens.length > 0 ? tokens[tokens.length - 1]!.line : 1;
  const next = (what: string): Token => {
    const t = tokens[pos++];
    if (!t) throw new JaasSyntaxError(file, lastLine, `file ends where ${what} should be`);
    return t;
  };
  const expectPunct = (p: string, what: string): void => {
    const t = next(`"${p}"`);
    if (t.kind !== 'punct' || t.text !== p) throw new JaasSyntaxError(file, t.line, `expected "${p}" ${what}, found "${t.text}"`);
  };
  const sections = new Map<string, LoginModuleEntry[]>();
  while (pos < tokens.length) {
    const name = next('a section name');
    if (name.kind !== 'word') throw new JaasSyntaxError(file, name.line, `expected a section name, found "${name.text}"`);
    if (sections.has(name.text)) throw new JaasSyntaxError(file, name.line, `section ${name.text} appears twice`);
    expectPunct('{', `after section ${name.text}`);
    const modules: LoginModuleEntry[] = [];
    for (;;) {
      const t = next(`a login module or "}" in section ${name.text}`);
      if (t.kind === 'punct' && t.text === '}') break;
      if (t.kind !== 'word') throw new JaasSyntaxError(file, t.line, `expected a login module class name, found "${t.text}"`);
      const flagToken = next(`the control flag of ${t.text}`);
      const flag = flagToken.text.toLowerCase() as ControlFlag;
      if (flagToken.kind !== 'word' || !FLAGS.includes(flag)) {
        throw new JaasSyntaxError(file, flagToken.line, `expected a control flag (required, requisite, sufficient, optional) after ${t.text}, found "${flagToken.text}"`);
      }
      const options = new Map<string, string>();
      for (;;) {
        const o = next(`an option or ";" after ${t.text}`);
        if (o.kind === 'punct' && o.text === ';') break;
        if (o.kind !== 'word') throw new JaasSyntaxError(file, o.line, `expected an option name or ";", found "${o.text}"`);
        expectPunct('=', `after option ${o.text}`);
        const v = next(`the value of ${o.text}`);
        if (v.kind === 'punct') throw new JaasSyntaxError(file, v.line, `option ${o.text} has no value`);
        options.set(o.text, expand(file, v.line, v.text, properties));
      }
      modules.push({ loginModule: t.text, flag, options, line: t.line });
    }
    if (modules.length === 0) throw new JaasSyntaxError(file, name.line, `section ${name.text} has no login module`);
    expectPunct(';', `after the "}" of section ${name.text}`);
    sections.set(name.text, modules);
  }
  return { file, sections };
}

/** Reads and parses a JAAS file (the value of java.security.auth.login.config). */
export async function loadJaas(file: string, properties?: (name: string) => string | undefined): Promise<JaasConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new JaasSyntaxError(file, 0, `cannot read: ${(err as Error).message}`);
  }
  return parseJaas(text, file, properties);
}
