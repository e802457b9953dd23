import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { JVM_TEST_TIMEOUT_MS, runJava } from './testing/java.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JaasSyntaxError } from './errors.js';
import { type JaasConfig, loadJaas, parseJaas } from './jaas.js';
import { digestCredentials, digestUsers, krb5Options } from './jaas-zookeeper.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'zab-jaas-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const ZOOKEEPER_STYLE = `
// As ZooKeeper's admin guide shows it.
Server {
       org.apache.zookeeper.server.auth.DigestLoginModule required
       user_super="adminsecret"
       user_bob="bobsecret";
};
Client {
       org.apache.zookeeper.server.auth.DigestLoginModule required
       username="bob"
       password="bobsecret";
};
QuorumServer {
       org.apache.zookeeper.server.auth.DigestLoginModule required
       user_test="test";
};
QuorumLearner {
       org.apache.zookeeper.server.auth.DigestLoginModule required
       username="test"
       password="test";
};
`;

const KERBEROS_AND_ODDITIES = `
/* Kerberos, several modules, flags in any case,
   escapes in quoted values */
Server {
  com.sun.security.auth.module.Krb5LoginModule Required
    useKeyTab=true
    keyTab="/etc/zookeeper/zk.keytab"
    storeKey=TRUE
    useTicketCache=false
    principal="zookeeper/zk1.example.com@EXAMPLE.COM";
  org.apache.zookeeper.server.auth.DigestLoginModule sufficient
    user_alice="a\\"quoted\\" \\\\ pass" user_carol="semi;colon=and{braces}";   // trailing comment
};
Other{org.example.Module optional debug=true;};
`;

/** The same lines JaasProbe prints. */
function describeConfig(config: JaasConfig, sections: string[]): string[] {
  return sections.flatMap((s) => {
    const modules = config.sections.get(s);
    if (!modules) return [`missing|${s}`];
    return modules.map((m) => [s, m.loginModule, m.flag, ...[...m.options].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => `${k}=${v}`)].join('|'));
  });
}

async function javaView(text: string, sections: string[]): Promise<{ code: number; lines: string[] }> {
  const file = path.join(dir, `jaas-${Math.random().toString(36).slice(2)}.conf`);
  await writeFile(file, text);
  const r = await runJava('JaasProbe', [file, ...sections]);
  return { code: r.code, lines: r.stdout.split('\n').filter(Boolean) };
}

describe('JAAS files', { timeout: JVM_TEST_TIMEOUT_MS }, () => {
  it('read as the JDK reads them', async () => {
    for (const [text, sections] of [
      [ZOOKEEPER_STYLE, ['Server', 'Client', 'QuorumServer', 'QuorumLearner', 'Absent']],
      [KERBEROS_AND_ODDITIES, ['Server', 'Other']],
    ] as const) {
      const java = await javaView(text, [...sections]);
      expect(java.code).toBe(0);
      expect(describeConfig(parseJaas(text), [...sections])).toEqual(java.lines);
    }
  });

  it("give ZooKeeper's DIGEST users, client credentials and Kerberos options", () => {
    const zk = parseJaas(ZOOKEEPER_STYLE);
    expect([...digestUsers(zk)]).toEqual([['super', 'adminsecret'], ['bob', 'bobsecret']]);
    expect([...digestUsers(zk, 'QuorumServer')]).toEqual([['test', 'test']]);
    expect(digestUsers(zk, 'Server', 'override').get('super')).toBe('override');
    expect(digestCredentials(zk)).toEqual({ username: 'bob', password: 'bobsecret' });
    expect(digestCredentials(zk, 'QuorumLearner')).toEqual({ username: 'test', password: 'test' });
    expect(() => digestUsers(zk, 'Missing')).toThrow(/no section "Missing" \(sections: Server, Client, QuorumServer, QuorumLearner\)/);

    const krb = parseJaas(KERBEROS_AND_ODDITIES);
    expect(krb5Options(krb, 'Server')).toMatchObject({
      useKeyTab: true, keyTab: '/etc/zookeeper/zk.keytab', storeKey: true, useTicketCache: false,
      principal: 'zookeeper/zk1.example.com@EXAMPLE.COM', isInitiator: true,
    });
    expect(digestUsers(krb).get('alice')).toBe('a"quoted" \\ pass');
    expect(krb5Options(zk, 'Server')).toBeUndefined();
  });

  it('expands ${name} from the properties given, and refuses an unknown one', () => {
    const text = 'Client { m.M required keyTab="${user.home}/zk.keytab"; };\n';
    const config = parseJaas(text, 'x.conf', (n) => (n === 'user.home' ? '/home/zk' : undefined));
    expect(config.sections.get('Client')![0]!.options.get('keyTab')).toBe('/home/zk/zk.keytab');
    expect(() => parseJaas(text, 'x.conf')).toThrow(/x.conf:1: \$\{user.home\} names no property/);
  });

  it('refuse broken files, as the JDK does, naming the line', async () => {
    const broken: [string, RegExp][] = [
      ['Server {\n  a.B required\n  user_x="1"\n};\n', /:4: expected an option name or ";", found "}"/],
      ['Server {\n  a.B mandatory;\n};\n', /:2: expected a control flag .* found "mandatory"/],
      ['Server {\n  a.B required user_x="unterminated;\n};\n', /:2: quoted value is not closed on its line/],
      ['Server {\n  a.B required;\n}\n', /:3: file ends where ";" should be/],
      ['Server {\n  a.B required user_x=;\n};\n', /:2: option user_x has no value/],
      ['Server {\n  a.B required;\n};\nServer {\n  c.D required;\n};\n', /:4: section Server appears twice/],
      ['Server {\n  a.B required user_x="1";\n};\n# not a comment\n', /:4: unexpected character "#"/],
    ];
    for (const [text, message] of broken) {
      expect(() => parseJaas(text, 'bad.conf'), text).toThrow(JaasSyntaxError);
      expect(() => parseJaas(text, 'bad.conf'), text).toThrow(message);
      const java = await javaView(text, ['Server']);
      expect(java.code, `the JDK accepted:\n${text}`).toBe(1);
    }
    // An unclosed comment: the JDK swallows the rest of the file and finds no section at all;
    // ZooKeeper then fails later for want of its section. We say why at once.
    const unclosed = '/* never closed\nServer { a.B required; };\n';
    expect(() => parseJaas(unclosed, 'bad.conf')).toThrow(/bad.conf:1: comment \/\* is never closed/);
    expect((await javaView(unclosed, ['Server'])).lines).toEqual(['missing|Server']);
    await expect(loadJaas(path.join(dir, 'missing.conf'))).rejects.toThrow(/missing.conf:0: cannot read/);
  });
});
