import { SettingError, jvmFlagsFromEnv, jvmPropertiesToSettings } from '@zab/security';
import { ConfigError, type Entry } from './properties.js';

/**
 * The settings zab reads from -D flags in SERVER_JVMFLAGS and JVMFLAGS, where ZooKeeper's
 * scripts pass the system properties zoo.cfg cannot set. Only these are taken for now; the
 * rest of the flags are left to the config layer that reads them all.
 */
const FROM_JVM_FLAGS = ['readonlymode.enabled'];

/**
 * Entries for the settings of FROM_JVM_FLAGS given as -D flags, through @zab/security's
 * mapping of system properties to zoo.cfg keys. They go before zoo.cfg's entries: a key in
 * zoo.cfg wins, as ZooKeeper sets its properties from zoo.cfg after the JVM started. A flag
 * string that does not split (an open quote) stops start-up with a ConfigError.
 */
export function jvmFlagEntries(env: Readonly<Record<string, string | undefined>> = process.env): Entry[] {
  let properties: ReadonlyMap<string, string>;
  try {
    properties = jvmFlagsFromEnv(env).properties;
  } catch (e) {
    if (e instanceof SettingError) throw new ConfigError(e.message);
    throw e;
  }
  const { settings, origin } = jvmPropertiesToSettings(properties);
  const out: Entry[] = [];
  for (const key of FROM_JVM_FLAGS) {
    const value = settings.get(key);
    if (value !== undefined) out.push({ key, value, where: `-D${origin.get(key) ?? key} (SERVER_JVMFLAGS or JVMFLAGS)` });
  }
  return out;
}
