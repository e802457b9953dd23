// ZooKeeper's settings where ZooKeeper's users put them: -D flags in SERVER_JVMFLAGS and
// JVMFLAGS (zkServer.sh hands both to the JVM). Each -D that names a ZooKeeper setting becomes
// a zoo.cfg entry placed before the file's, so zoo.cfg wins where both name a setting, as in
// ZooKeeper 3.8 (it sets the property from zoo.cfg after the JVM started; test/security shows it).
import { jvmFlagsFromEnv, jvmPropertiesToSettings } from '@zab/security';
import { ConfigError, type Entry } from './properties.js';

/** Properties of the JVM itself and of its logging: expected in these variables, never a ZooKeeper setting. */
const JVM_OWN = /^(java\.(?!security\.auth\.login\.config$)|javax\.|sun\.|jdk\.|com\.sun\.|file\.|user\.|log4j|org\.slf4j\.|logback\.|zookeeper\.log\.|zookeeper\.root\.logger|zookeeper\.console\.threshold)/;

/**
 * The entries SERVER_JVMFLAGS and JVMFLAGS set, and the warnings about them: one warning naming
 * every -D property that is no ZooKeeper setting zab knows (the JVM's own are passed over
 * quietly). Options that are not -D (-Xmx1g, -XX:...) are the JVM's and are ignored.
 * `properties` are all the -D properties, for what resolves ${name} against them (the JAAS file).
 */
export function jvmFlagEntries(env: Readonly<Record<string, string | undefined>>): {
  entries: Entry[];
  warnings: string[];
  properties: ReadonlyMap<string, string>;
} {
  let flags: ReturnType<typeof jvmFlagsFromEnv>;
  try {
    flags = jvmFlagsFromEnv(env);
  } catch (e) {
    throw new ConfigError(`SERVER_JVMFLAGS/JVMFLAGS: ${(e as Error).message}`);
  }
  const { settings, origin, unmapped } = jvmPropertiesToSettings(flags.properties);
  const entries: Entry[] = [...settings].map(([key, value]) => ({ key, value, where: `-D${origin.get(key)} (SERVER_JVMFLAGS/JVMFLAGS)` }));
  const ignored = unmapped.filter((p) => !JVM_OWN.test(p));
  const warnings = ignored.length ? [`SERVER_JVMFLAGS/JVMFLAGS: ${ignored.map((p) => `-D${p}`).join(', ')} ${ignored.length === 1 ? 'is' : 'are'} no ZooKeeper setting zab knows; ignored`] : [];
  return { entries, warnings, properties: flags.properties };
}
