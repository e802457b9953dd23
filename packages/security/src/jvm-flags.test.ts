import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { SettingError } from './errors.js';
import { jvmFlagsFromEnv, jvmPropertiesToSettings, parseJvmFlags, shellWords, zooCfgKeyOf } from './jvm-flags.js';
import { JVM_PROPERTY_KEYS } from './jvm-properties.js';

/** How bash itself splits `text` written on a command line (quote removal, no expansions in
 *  these samples). */
function bashWords(text: string): string[] {
  const out = execFileSync('bash', ['-c', `printf '%s\\0' ${text}`]).toString();
  return out.split('\0').slice(0, -1);
}

/** How zkServer.sh's unquoted $JVMFLAGS splits the same text: on blanks only, quotes kept. */
function zkServerShWords(text: string): string[] {
  const out = execFileSync('bash', ['-c', 'set -f; printf "%s\\0" $JVMFLAGS'], { env: { JVMFLAGS: text } }).toString();
  return out.split('\0').slice(0, -1);
}

describe('SERVER_JVMFLAGS and JVMFLAGS', () => {
  const samples = [
    '-Xmx1g -Dzookeeper.snapCount=50000',
    '  -Djava.security.auth.login.config=/etc/zookeeper/jaas.conf\t-Dzookeeper.authProvider.1=org.apache.zookeeper.server.auth.SASLAuthenticationProvider ',
    `-Dzookeeper.ssl.keyStore.password="pass word" -Da='single "quoted"' -Db=back\\ slash -Dc="esc\\"aped\\\\"`,
    '-Dempty= -Dbare -Dk="" -Dx=a"b"c\'d\'',
    '-Dline=one\\\n-Dcont=two',
  ];

  it('are split into words exactly as bash splits a command line', () => {
    for (const text of samples) expect(shellWords(text, 'JVMFLAGS'), text).toEqual(bashWords(text));
  });

  it("give the same words as zkServer.sh's unquoted expansion wherever no quote or backslash is used", () => {
    for (const text of samples.slice(0, 2)) expect(shellWords(text, 'JVMFLAGS')).toEqual(zkServerShWords(text));
    // With quotes zkServer.sh keeps the quote characters and splits inside them; such values
    // never reached ZooKeeper intact.
    expect(zkServerShWords('-Dk="a b"')).toEqual(['-Dk="a', 'b"']);
    expect(shellWords('-Dk="a b"', 'JVMFLAGS')).toEqual(['-Dk=a b']);
  });

  it('refuse an unterminated quote, naming the variable', () => {
    expect(() => shellWords('-Da="open', 'SERVER_JVMFLAGS')).toThrow(SettingError);
    expect(() => shellWords("-Da='open", 'SERVER_JVMFLAGS')).toThrow(/SERVER_JVMFLAGS: unterminated ' quote at character 5/);
    expect(() => parseJvmFlags([{ name: 'JVMFLAGS', value: '-D=x' }])).toThrow(/JVMFLAGS: "-D=x" names no property/);
  });

  it('yield the -D properties, JVMFLAGS after SERVER_JVMFLAGS as zkServer.sh orders them', () => {
    const flags = jvmFlagsFromEnv({
      SERVER_JVMFLAGS: '-Xmx2g -Dzookeeper.snapCount=1000 -Dreadonlymode.enabled=true -Dbare',
      JVMFLAGS: '-Dzookeeper.snapCount=2000 -XX:+UseG1GC',
      OTHER: '-Dignored=1',
    });
    expect([...flags.properties]).toEqual([['zookeeper.snapCount', '2000'], ['readonlymode.enabled', 'true'], ['bare', '']]);
    expect(flags.otherOptions).toEqual(['-Xmx2g', '-XX:+UseG1GC']);
    expect(jvmFlagsFromEnv({}).properties.size).toBe(0);
  });

  it("map to zoo.cfg keys as ZooKeeper's admin guide names them", () => {
    expect(zooCfgKeyOf('zookeeper.snapCount')).toBe('snapCount');
    expect(zooCfgKeyOf('zookeeper.ssl.quorum.keyStore.location')).toBe('ssl.quorum.keyStore.location');
    expect(zooCfgKeyOf('zookeeper.authProvider.1')).toBe('authProvider.1');
    expect(zooCfgKeyOf('zookeeper.request_throttle_max_requests')).toBe('requestThrottleLimit');
    expect(zooCfgKeyOf('zookeeper.observer.syncEnabled')).toBe('syncEnabled');
    // ZooKeeper's code reads the prefixed name, its admin guide gives the bare one: both work.
    expect(zooCfgKeyOf('zookeeper.request_throttle_drop_stale')).toBe('requestThrottleDropStale');
    expect(zooCfgKeyOf('request_throttle_drop_stale')).toBe('requestThrottleDropStale');
    expect(zooCfgKeyOf('readonlymode.enabled')).toBe('readonlymode.enabled');
    expect(zooCfgKeyOf('jute.maxbuffer')).toBe('jute.maxbuffer');
    expect(zooCfgKeyOf('java.security.auth.login.config')).toBe('java.security.auth.login.config');
    expect(zooCfgKeyOf('java.net.preferIPv4Stack')).toBeUndefined();
    expect(zooCfgKeyOf('zookeeper.')).toBeUndefined();
    const { settings, origin, unmapped } = jvmPropertiesToSettings(new Map([
      ['zookeeper.ssl.clientAuth', 'want'], ['log4j.configuration', 'x'], ['zookeeper.kerberos.removeHostFromPrincipal', 'true'],
    ]));
    expect([...settings]).toEqual([['ssl.clientAuth', 'want'], ['kerberos.removeHostFromPrincipal', 'true']]);
    expect(origin.get('ssl.clientAuth')).toBe('zookeeper.ssl.clientAuth');
    expect(unmapped).toEqual(['log4j.configuration']);
    // Every documented property is listed once, and maps to its documented key.
    expect(new Set(JVM_PROPERTY_KEYS.map((p) => p.property)).size).toBe(JVM_PROPERTY_KEYS.length);
    for (const p of JVM_PROPERTY_KEYS) if (!p.property.includes('<n>')) expect(zooCfgKeyOf(p.property)).toBe(p.key);
  });
});
