// ZooKeeper settings where ZooKeeper users put them: -D flags in the SERVER_JVMFLAGS and
// JVMFLAGS environment variables, which zkServer.sh passes to the JVM (SERVER_JVMFLAGS first,
// so JVMFLAGS wins a duplicate, as the JVM keeps the last -D of a name).
//
// The variables are split into words as a shell splits a command line: blanks separate words,
// '...' and "..." quote (in "..." a backslash escapes $ ` " \), a backslash outside quotes
// escapes the next character. zkServer.sh itself expands $JVMFLAGS unquoted, which splits on
// blanks but keeps quote characters in the words; so values with quotes or spaces never
// worked there, and every value that did work comes out the same here.

import { SettingError } from './errors.js';
import { JVM_PROPERTY_KEYS } from './jvm-properties.js';

/** The -D properties of one or more flag strings, and the other JVM options (for a warning:
 *  zab runs no JVM). */
export interface JvmFlags {
  readonly properties: ReadonlyMap<string, string>;
  readonly otherOptions: readonly string[];
}

/** Splits `text` into words as sh does (no expansion of $ or globs: the values are taken as
 *  the environment holds them). `source` names the variable in errors. */
export function shellWords(text: string, source: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === ' ' || c === '\t' || c === '\n') {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else if (c === "'") {
      const end = text.indexOf("'", i + 1);
      if (end < 0) throw new SettingError(source, `unterminated ' quote at character ${i + 1}`);
      word += text.slice(i + 1, end);
      inWord = true;
      i = end;
    } else if (c === '"') {
      let j = i + 1;
      for (; j < text.length && text[j] !== '"'; j++) {
        if (text[j] === '\\' && j + 1 < text.length && '$`"\\\n'.includes(text[j + 1]!)) {
          if (text[j + 1] !== '\n') word += text[j + 1];
          j++;
        } else {
          word += text[j];
        }
      }
      if (j >= text.length) throw new SettingError(source, `unterminated " quote at character ${i + 1}`);
      inWord = true;
      i = j;
    } else if (c === '\\') {
      // A backslash before a newline joins lines; before anything else it quotes that character.
      const next = text[i + 1];
      if (next !== '\n') {
        word += next ?? '\\';
        inWord = true;
      }
      i++;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (inWord) words.push(word);
  return words;
}

/** The -D properties of the given flag strings, in order (a later -D of a name wins). A bare
 *  -Dname sets the empty string, as in the JVM. */
export function parseJvmFlags(sources: readonly { name: string; value: string | undefined }[]): JvmFlags {
  const properties = new Map<string, string>();
  const otherOptions: string[] = [];
  for (const { name, value } of sources) {
    if (value === undefined) continue;
    for (const word of shellWords(value, name)) {
      if (word.startsWith('-D')) {
        const eq = word.indexOf('=');
        const key = eq < 0 ? word.slice(2) : word.slice(2, eq);
        if (key.length === 0) throw new SettingError(name, `"${word}" names no property`);
        properties.set(key, eq < 0 ? '' : word.slice(eq + 1));
      } else {
        otherOptions.push(word);
      }
    }
  }
  return { properties, otherOptions };
}

/** The -D properties of SERVER_JVMFLAGS and JVMFLAGS, as zkServer.sh combines them. */
export function jvmFlagsFromEnv(env: Readonly<Record<string, string | undefined>> = process.env): JvmFlags {
  return parseJvmFlags([
    { name: 'SERVER_JVMFLAGS', value: env.SERVER_JVMFLAGS },
    { name: 'JVMFLAGS', value: env.JVMFLAGS },
  ]);
}

const BY_PROPERTY = new Map(JVM_PROPERTY_KEYS.map((p) => [p.property, p.key]));

/** The zoo.cfg key a system property sets, or undefined for a property that is no ZooKeeper
 *  setting (the JVM's own, logging, anything else). ZooKeeper turns every zoo.cfg key it does
 *  not parse itself into the property `zookeeper.<key>`, so `zookeeper.<key>` maps back to
 *  `<key>`; the admin guide's few other names come from JVM_PROPERTY_KEYS. */
export function zooCfgKeyOf(property: string): string | undefined {
  const known = BY_PROPERTY.get(property);
  if (known !== undefined) return known;
  if (property.startsWith('zookeeper.') && property.length > 'zookeeper.'.length) return property.slice('zookeeper.'.length);
  return undefined;
}

/** -D properties as zoo.cfg settings. `settings` maps each zoo.cfg key to its value;
 *  `origin` says which property set it (for messages); `unmapped` lists the properties that
 *  are no ZooKeeper setting. A config layer applies these first and zoo.cfg after them:
 *  ZooKeeper sets the zookeeper.<key> property when it reads zoo.cfg, after the JVM started,
 *  so a key in zoo.cfg wins over the same setting given with -D. */
export function jvmPropertiesToSettings(properties: ReadonlyMap<string, string>): {
  settings: ReadonlyMap<string, string>;
  origin: ReadonlyMap<string, string>;
  unmapped: readonly string[];
} {
  const settings = new Map<string, string>();
  const origin = new Map<string, string>();
  const unmapped: string[] = [];
  for (const [property, value] of properties) {
    const key = zooCfgKeyOf(property);
    if (key === undefined) {
      unmapped.push(property);
      continue;
    }
    settings.set(key, value);
    origin.set(key, property);
  }
  return { settings, origin, unmapped };
}
