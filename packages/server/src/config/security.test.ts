import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseZooCfg } from '../config.js';

const base = 'dataDir=/tmp/zab\nclientPort=2181\n';

describe('-D settings from SERVER_JVMFLAGS and JVMFLAGS', () => {
  const cfgFile = (text: string) => {
    const file = join(mkdtempSync(join(tmpdir(), 'zab-cfg-')), 'zoo.cfg');
    writeFileSync(file, text);
    return file;
  };

  it('apply where zoo.cfg is silent, lose to zoo.cfg where it speaks, and lose to flags', () => {
    const env = {
      SERVER_JVMFLAGS: '-Xmx1g -Dzookeeper.snapCount=5000 -Djute.maxbuffer=2097152 -Dzookeeper.maxClientCnxns=7',
      JVMFLAGS: '-Dzookeeper.globalOutstandingLimit=99',
    };
    const { config } = loadConfig({ configPath: cfgFile(`${base}maxClientCnxns=9\n`), env, overrides: { globalOutstandingLimit: '55' } });
    expect(config.snapCount).toBe(5000);
    expect(config.juteMaxBuffer).toBe(2097152);
    expect(config.maxClientCnxns).toBe(9);
    expect(config.globalOutstandingLimit).toBe(55);
  });

  it('finds the JAAS file and ssl settings there, and warns once about properties that are no setting', () => {
    const env = { SERVER_JVMFLAGS: '-Djava.security.auth.login.config=/etc/zk/jaas.conf -Dfoo.bar=1 -Dbaz=2 -Dlog4j.configuration=x -Dzookeeper.ssl.clientAuth=want' };
    const { config, warnings } = loadConfig({ configPath: cfgFile(base), env });
    expect(config.security.clientAuth.jaasFile).toBe('/etc/zk/jaas.conf');
    const flagWarnings = warnings.filter((w) => w.includes('SERVER_JVMFLAGS'));
    expect(flagWarnings).toHaveLength(1);
    expect(flagWarnings[0]).toContain('-Dfoo.bar, -Dbaz');
    expect(flagWarnings[0]).not.toContain('log4j');
  });

  it('names the variable when its quoting is broken', () => {
    expect(() => loadConfig({ configPath: cfgFile(base), env: { JVMFLAGS: '-Dx="open' } })).toThrow(/JVMFLAGS/);
  });
});

describe('security settings', () => {
  it('registers schemes from authProvider.N and ignores unknown classes with a warning', () => {
    const { config, warnings } = parseZooCfg(
      `${base}authProvider.1=org.apache.zookeeper.server.auth.SASLAuthenticationProvider\nauthProvider.x509=org.apache.zookeeper.server.auth.X509AuthenticationProvider\nauthProvider.2=com.example.Custom\n`,
    );
    expect([...config.security.clientAuth.schemes].sort()).toEqual(['digest', 'ip', 'sasl', 'x509']);
    expect(warnings.some((w) => w.includes('com.example.Custom'))).toBe(true);
  });

  it('enforces sasl with sessionRequireClientSASLAuth, and refuses a scheme without a provider', () => {
    const sasl = 'authProvider.1=org.apache.zookeeper.server.auth.SASLAuthenticationProvider\n';
    expect(parseZooCfg(`${base}${sasl}sessionRequireClientSASLAuth=true\n`).config.security.clientAuth.enforceSchemes).toEqual(['sasl']);
    expect(parseZooCfg(`${base}enforce.auth.enabled=true\nenforce.auth.schemes=digest\n`).config.security.clientAuth.enforceSchemes).toEqual(['digest']);
    expect(() => parseZooCfg(`${base}enforce.auth.enabled=true\nenforce.auth.schemes=sasl\n`)).toThrow(ConfigError);
    expect(() => parseZooCfg(`${base}enforce.auth.enabled=true\n`)).toThrow(/names no scheme/);
  });

  it('needs a key store for TLS, and reads ssl.* with the line at fault in errors', () => {
    expect(() => parseZooCfg(`${base}secureClientPort=2281\n`)).toThrow(/ssl.keyStore.location/);
    expect(() => parseZooCfg(`${base}secureClientPort=2281\nssl.keyStore.location=/k.p12\nssl.clientAuth=maybe\n`)).toThrow(/zoo.cfg:5.*clientAuth/);
    const { config, warnings } = parseZooCfg(`${base}secureClientPort=2281\nssl.keyStore.location=/k.p12\nssl.clientAuth=want\nssl.crl=true\n`);
    expect(config.security.clientTls?.secureClientPort).toBe(2281);
    expect(config.security.clientTls?.tls.clientAuth).toBe('want');
    expect(warnings.some((w) => w.includes('ssl.crl is accepted but not used'))).toBe(true);
    expect(warnings.some((w) => w.includes('ssl.clientAuth'))).toBe(false);
  });

  it('reads the limits, 0 (off) by default, and the random early drop with ZooKeeper\'s defaults', () => {
    const blueDefaults = { connectionFreezeTimeMs: -1, connectionDropIncrease: 0.02, connectionDropDecrease: 0.002, connectionDecreaseRatio: 0 };
    expect(parseZooCfg(base).config.security.limits).toEqual({ maxCnxns: 0, connectionMaxTokens: 0, connectionTokenFillTimeMs: 1, connectionTokenFillCount: 1, requestThrottleLimit: 0, ...blueDefaults });
    const { limits } = parseZooCfg(`${base}maxCnxns=10\nconnectionMaxTokens=5\nconnectionTokenFillTime=100\nconnectionTokenFillCount=2\nrequestThrottleLimit=50\n`).config.security;
    expect(limits).toEqual({ maxCnxns: 10, connectionMaxTokens: 5, connectionTokenFillTimeMs: 100, connectionTokenFillCount: 2, requestThrottleLimit: 50, ...blueDefaults });
    const blue = parseZooCfg(`${base}connectionFreezeTime=500\nconnectionDropIncrease=0.1\nconnectionDropDecrease=.01\nconnectionDecreaseRatio=0.5\n`).config.security.limits;
    expect(blue).toMatchObject({ connectionFreezeTimeMs: 500, connectionDropIncrease: 0.1, connectionDropDecrease: 0.01, connectionDecreaseRatio: 0.5 });
    expect(() => parseZooCfg(`${base}connectionDropIncrease=lots\n`)).toThrow(/connectionDropIncrease must be a number between 0 and 1/);
    expect(() => parseZooCfg(`${base}connectionFreezeTime=-2\n`)).toThrow(/connectionFreezeTime/);
  });

  it('reads quorum SASL as ZooKeeper checks it, and refuses Kerberos between members', () => {
    const jaas = 'java.security.auth.login.config=/etc/zk/jaas.conf\n';
    const q = parseZooCfg(`${base}${jaas}quorum.auth.enableSasl=true\nquorum.auth.learnerRequireSasl=true\nquorum.auth.serverRequireSasl=true\nquorum.cnxn.threads.size=20\n`);
    expect(q.config.security.quorum).toMatchObject({ saslEnabled: true, learnerRequireSasl: true, serverRequireSasl: true, serverLoginContext: 'QuorumServer', learnerLoginContext: 'QuorumLearner' });
    expect(q.warnings).toEqual([]);
    const named = parseZooCfg(`${base}${jaas}quorum.auth.enableSasl=true\nquorum.auth.server.saslLoginContext=S\nquorum.auth.learner.saslLoginContext=L\n`).config.security.quorum;
    expect(named).toMatchObject({ saslEnabled: true, learnerRequireSasl: false, serverRequireSasl: false, serverLoginContext: 'S', learnerLoginContext: 'L' });
    expect(() => parseZooCfg(`${base}${jaas}quorum.auth.serverRequireSasl=true\nquorum.auth.learnerRequireSasl=true\n`)).toThrow(/quorum.auth.serverRequireSasl cannot be enabled: quorum.auth.enableSasl is disabled/);
    expect(() => parseZooCfg(`${base}${jaas}quorum.auth.learnerRequireSasl=true\n`)).toThrow(/quorum.auth.learnerRequireSasl cannot be enabled: quorum.auth.enableSasl is disabled/);
    expect(() => parseZooCfg(`${base}${jaas}quorum.auth.enableSasl=true\nquorum.auth.serverRequireSasl=true\n`)).toThrow(/cannot be enabled: quorum.auth.learnerRequireSasl is disabled/);
    expect(() => parseZooCfg(`${base}quorum.auth.enableSasl=true\n`)).toThrow(/needs a JAAS file/);
    expect(() => parseZooCfg(`${base}${jaas}quorum.auth.enableSasl=true\nquorum.auth.kerberos.servicePrincipal=zkquorum/_HOST\n`)).toThrow(/no Kerberos/);
    expect(() => parseZooCfg(`${base}quorum.cnxn.threads.size=many\n`)).toThrow(/quorum.cnxn.threads.size must be an integer/);
  });
});
