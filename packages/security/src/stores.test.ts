import crypto, { X509Certificate } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import tls from 'node:tls';
import { JVM_TEST_TIMEOUT_MS } from './testing/java.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SettingError, StoreError } from './errors.js';
import { keyEntryPem, type KeyMaterial, loadKeyStore, loadTrustStore, storeTypeOf } from './stores.js';
import {
  certDer, keytool, keytoolImport, keytoolTrustStore, type Leaf, makeLeaf, makePki, openssl, opensslOutput, opensslPkcs12, type Pki,
} from './testing/pki.js';

let pki: Pki;
let rsaLeaf: Leaf;
let ecLeaf: Leaf;
let otherCa: { cert: string; key: string };
const PASS = 'store-secret';

beforeAll(async () => {
  pki = await makePki();
  rsaLeaf = await makeLeaf(pki, 'server-rsa', { subject: '/CN=server/O=zab', san: 'IP:127.0.0.1' });
  ecLeaf = await makeLeaf(pki, 'server-ec', { subject: '/CN=server-ec/O=zab', keyType: 'ec' });
  await openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'other-ca.key', '-out', 'other-ca.pem', '-subj', '/CN=other CA', '-days', '2'], pki.dir);
  otherCa = { cert: path.join(pki.dir, 'other-ca.pem'), key: path.join(pki.dir, 'other-ca.key') };
});
afterAll(() => pki?.cleanup());

/** The loaded entry must hold exactly the leaf's key and the chain leaf, CA. */
async function expectLeafMaterial(material: KeyMaterial, leaf: Leaf): Promise<void> {
  expect(material.entries).toHaveLength(1);
  const entry = material.entries[0]!;
  const want = crypto.createPrivateKey(await readFile(leaf.key));
  expect(entry.key.export({ format: 'der', type: 'pkcs8' })).toEqual(want.export({ format: 'der', type: 'pkcs8' }));
  expect(entry.chain.map((c) => c.raw)).toEqual([await certDer(leaf.cert), await certDer(pki.caCert)]);
  // node:tls accepts it as it is.
  expect(() => tls.createSecureContext(keyEntryPem(entry))).not.toThrow();
}

async function opensslInfo(file: string, password: string): Promise<string> {
  return opensslOutput(['pkcs12', '-info', '-noout', '-in', file, '-passin', `pass:${password}`, '-legacy'], pki.dir);
}

describe('PEM stores', () => {
  it('reads a key and its chain from one file, in any order', async () => {
    const file = path.join(pki.dir, 'ks.pem');
    await writeFile(file, (await readFile(pki.caCert, 'utf8')) + (await readFile(rsaLeaf.key, 'utf8')) + (await readFile(rsaLeaf.cert, 'utf8')));
    await expectLeafMaterial(await loadKeyStore({ location: file }), rsaLeaf);
  });

  it('decrypts an encrypted PKCS#8 key with the store password, and refuses a wrong or missing one', async () => {
    const encKey = path.join(pki.dir, 'enc.key');
    await openssl(['pkcs8', '-topk8', '-v2', 'aes-256-cbc', '-in', ecLeaf.key, '-out', encKey, '-passout', `pass:${PASS}`], pki.dir);
    const file = path.join(pki.dir, 'ks-enc.pem');
    await writeFile(file, (await readFile(encKey, 'utf8')) + (await readFile(ecLeaf.cert, 'utf8')) + (await readFile(pki.caCert, 'utf8')));
    await expectLeafMaterial(await loadKeyStore({ location: file, password: PASS }), ecLeaf);
    await expect(loadKeyStore({ location: file, password: 'wrong' })).rejects.toThrow(/ks-enc.pem: PEM: cannot decrypt the private key \(wrong password\?\)/);
    await expect(loadKeyStore({ location: file })).rejects.toThrow(/encrypted and no password is set/);
  });

  it('takes a traditional PKCS#1 RSA key too', async () => {
    const rsaKey = path.join(pki.dir, 'rsa-traditional.key');
    await openssl(['pkey', '-in', rsaLeaf.key, '-traditional', '-out', rsaKey], pki.dir);
    expect(await readFile(rsaKey, 'utf8')).toMatch(/BEGIN RSA PRIVATE KEY/);
    const file = path.join(pki.dir, 'ks-pkcs1.pem');
    await writeFile(file, (await readFile(rsaKey, 'utf8')) + (await readFile(rsaLeaf.cert, 'utf8')) + (await readFile(pki.caCert, 'utf8')));
    await expectLeafMaterial(await loadKeyStore({ location: file }), rsaLeaf);
  });

  it('refuses a key store whose certificate does not match its key', async () => {
    const file = path.join(pki.dir, 'ks-mismatch.pem');
    await writeFile(file, (await readFile(rsaLeaf.key, 'utf8')) + (await readFile(ecLeaf.cert, 'utf8')));
    await expect(loadKeyStore({ location: file })).rejects.toThrow(/no certificate matches the private key/);
  });

  it('trusts every certificate of a PEM trust store', async () => {
    const file = path.join(pki.dir, 'trust.pem');
    await writeFile(file, (await readFile(pki.caCert, 'utf8')) + (await readFile(otherCa.cert, 'utf8')));
    const trust = await loadTrustStore({ location: file });
    expect(trust.certs.map((c) => c.raw)).toEqual([await certDer(pki.caCert), await certDer(otherCa.cert)]);
  });
});

describe('PKCS12 stores', { timeout: JVM_TEST_TIMEOUT_MS }, () => {
  it('reads what JDK 17 keytool writes by default (PBES2/AES-256, HMAC-SHA256)', async () => {
    const src = await opensslPkcs12(pki, rsaLeaf, 'src-rsa.p12', 'src-pass');
    const file = await keytoolImport(pki, src, 'src-pass', 'keytool.p12', 'PKCS12', PASS);
    const info = await opensslInfo(file, PASS);
    expect(info).toMatch(/MAC: sha256/);
    expect(info).toMatch(/PBES2, PBKDF2, AES-256-CBC/);
    await expectLeafMaterial(await loadKeyStore({ location: file, password: PASS }), rsaLeaf);
  });

  it("reads keytool's legacy format (3DES keys, 40-bit RC2 certificates, HMAC-SHA1)", async () => {
    const src = await opensslPkcs12(pki, ecLeaf, 'src-ec.p12', 'src-pass');
    const file = await keytoolImport(pki, src, 'src-pass', 'keytool-legacy.p12', 'PKCS12', PASS, true);
    const info = await opensslInfo(file, PASS);
    expect(info).toMatch(/MAC: sha1/);
    expect(info).toMatch(/pbeWithSHA1And40BitRC2-CBC/);
    expect(info).toMatch(/pbeWithSHA1And3-KeyTripleDES-CBC/);
    await expectLeafMaterial(await loadKeyStore({ location: file, password: PASS }), ecLeaf);
  });

  it('reads what openssl writes, current and -legacy', async () => {
    await expectLeafMaterial(await loadKeyStore({ location: await opensslPkcs12(pki, rsaLeaf, 'o.p12', PASS), password: PASS }), rsaLeaf);
    await expectLeafMaterial(await loadKeyStore({ location: await opensslPkcs12(pki, rsaLeaf, 'ol.p12', PASS, true), password: PASS }), rsaLeaf);
  });

  it('refuses a wrong password and a modified file', async () => {
    const file = path.join(pki.dir, 'keytool.p12');
    await expect(loadKeyStore({ location: file, password: 'wrong' })).rejects.toThrow(/keytool.p12: PKCS12: integrity check failed: wrong password/);
    const bytes = await readFile(file);
    bytes[bytes.length - 40]! ^= 0x01;
    const tampered = path.join(pki.dir, 'tampered.p12');
    await writeFile(tampered, bytes);
    await expect(loadKeyStore({ location: tampered, password: PASS })).rejects.toThrow(StoreError);
  });

  it('trusts the certificates keytool -importcert added, in both formats', async () => {
    for (const legacy of [false, true]) {
      const file = await keytoolTrustStore(pki, [pki.caCert, otherCa.cert], `trust${legacy ? '-legacy' : ''}.p12`, 'PKCS12', PASS, legacy);
      const trust = await loadTrustStore({ location: file, password: PASS });
      expect(trust.certs.map((c) => c.raw).sort(Buffer.compare)).toEqual([await certDer(pki.caCert), await certDer(otherCa.cert)].sort(Buffer.compare));
    }
  });

  it('refuses, as the JDK ignores, certificates without the trusted attribute', async () => {
    const file = path.join(pki.dir, 'trust-openssl.p12');
    await openssl(['pkcs12', '-export', '-nokeys', '-in', pki.caCert, '-out', file, '-passout', `pass:${PASS}`], pki.dir);
    // The JDK itself sees no entry in it.
    expect(await keytool(['-list', '-keystore', file, '-storepass', PASS, '-storetype', 'PKCS12'], pki.dir)).toMatch(/contains 0 entries/);
    await expect(loadTrustStore({ location: file, password: PASS })).rejects.toThrow(/no trusted certificate entry/);
  });

  it('says a key store holds no key when it is given a trust store', async () => {
    await expect(loadKeyStore({ location: path.join(pki.dir, 'trust.p12'), password: PASS })).rejects.toThrow(/no private key entry/);
  });
});

describe('JKS stores', { timeout: JVM_TEST_TIMEOUT_MS }, () => {
  it('reads a key entry and its chain as keytool -storetype JKS writes it', async () => {
    const src = await opensslPkcs12(pki, rsaLeaf, 'src-jks.p12', 'src-pass');
    const file = await keytoolImport(pki, src, 'src-pass', 'keystore.jks', 'JKS', PASS);
    expect((await readFile(file)).readUInt32BE(0)).toBe(0xfeedfeed);
    await expectLeafMaterial(await loadKeyStore({ location: file, password: PASS }), rsaLeaf);
  });

  it('reads trusted certificate entries', async () => {
    const file = await keytoolTrustStore(pki, [pki.caCert, otherCa.cert], 'trust.jks', 'JKS', PASS);
    const trust = await loadTrustStore({ location: file, password: PASS });
    expect(trust.certs.map((c) => c.raw).sort(Buffer.compare)).toEqual([await certDer(pki.caCert), await certDer(otherCa.cert)].sort(Buffer.compare));
  });

  it('refuses a wrong password, a different key password, a modified file and a JCEKS store', async () => {
    const file = path.join(pki.dir, 'keystore.jks');
    await expect(loadKeyStore({ location: file, password: 'wrong' })).rejects.toThrow(/keystore.jks: JKS: integrity check failed/);
    const bytes = await readFile(file);
    bytes[200]! ^= 0x01;
    await writeFile(path.join(pki.dir, 'tampered.jks'), bytes);
    await expect(loadKeyStore({ location: path.join(pki.dir, 'tampered.jks'), password: PASS })).rejects.toThrow(/integrity check failed/);

    const src = path.join(pki.dir, 'src-jks.p12');
    const other = path.join(pki.dir, 'keypass.jks');
    await keytool(['-importkeystore', '-noprompt', '-srckeystore', src, '-srcstoretype', 'PKCS12', '-srcstorepass', 'src-pass',
      '-destkeystore', other, '-deststoretype', 'JKS', '-deststorepass', PASS, '-destkeypass', 'another-pass'], pki.dir);
    await expect(loadKeyStore({ location: other, password: PASS })).rejects.toThrow(/key zab: wrong key password/);

    const jceks = path.join(pki.dir, 'store.jceks');
    await keytool(['-importkeystore', '-noprompt', '-srckeystore', src, '-srcstoretype', 'PKCS12', '-srcstorepass', 'src-pass',
      '-destkeystore', jceks, '-deststoretype', 'JCEKS', '-deststorepass', PASS], pki.dir);
    await expect(loadKeyStore({ location: jceks, password: PASS, type: 'JKS' })).rejects.toThrow(/JCEKS store; only JKS, PKCS12 and PEM/);
  });
});

describe('store settings', { timeout: JVM_TEST_TIMEOUT_MS }, () => {
  it('takes the type from the setting (any case) or else the extension, as ZooKeeper does', () => {
    expect(storeTypeOf(undefined, '/a/b.jks', 'ssl.keyStore.type')).toBe('JKS');
    expect(storeTypeOf('', '/a/b.p12', 'ssl.keyStore.type')).toBe('PKCS12');
    expect(storeTypeOf(undefined, '/a/b.pem', 'ssl.keyStore.type')).toBe('PEM');
    expect(storeTypeOf('pkcs12', '/a/b.pem', 'ssl.keyStore.type')).toBe('PKCS12');
    expect(() => storeTypeOf(undefined, '/a/b.pfx', 'ssl.trustStore.type')).toThrow(SettingError);
    expect(() => storeTypeOf(undefined, '/a/b.pfx', 'ssl.trustStore.type')).toThrow(/ssl.trustStore.type: not set/);
    expect(() => storeTypeOf('bogus', '/a/b.jks', 'ssl.keyStore.type')).toThrow(/unknown store type "bogus"/);
    expect(() => storeTypeOf('BCFKS', '/a/b.jks', 'ssl.keyStore.type')).toThrow(/BCFKS \(Bouncy Castle FIPS\) stores are not supported/);
    expect(() => storeTypeOf(undefined, '/a/b.bcfks', 'ssl.keyStore.type')).toThrow(/BCFKS/);
  });

  it('reads the password from passwordPath, which wins over password', async () => {
    const pw = path.join(pki.dir, 'password.txt');
    await writeFile(pw, `${PASS}\n`);
    const src = await opensslPkcs12(pki, rsaLeaf, 'src-pwpath.p12', 'src-pass');
    const jks = await keytoolImport(pki, src, 'src-pass', 'pwpath.jks', 'JKS', PASS);
    const material = await loadKeyStore({ location: jks, password: 'ignored', passwordPath: pw });
    expect(material.entries[0]!.alias).toBe('zab');
  });

  it('names the file for a missing file and for garbage, never crashing', async () => {
    await expect(loadKeyStore({ location: path.join(pki.dir, 'missing.p12') })).rejects.toThrow(/missing.p12: cannot read/);
    const junk = path.join(pki.dir, 'junk');
    for (const bytes of [crypto.randomBytes(300), Buffer.from([0x30, 0x84, 0xff, 0xff, 0xff, 0xff]), Buffer.from([0xfe, 0xed, 0xfe, 0xed, 0, 0, 0, 2, 0xff, 0xff, 0xff, 0xff])]) {
      for (const type of ['PKCS12', 'JKS', 'PEM']) {
        await writeFile(junk, bytes);
        await expect(loadKeyStore({ location: junk, password: PASS, type })).rejects.toThrow(StoreError);
        await expect(loadTrustStore({ location: junk, password: PASS, type })).rejects.toThrow(StoreError);
      }
    }
    // Every prefix of a valid store is refused with a StoreError too.
    const good = await readFile(await opensslPkcs12(pki, rsaLeaf, 'prefixes.p12', PASS));
    for (let n = 0; n < good.length; n += 97) {
      await writeFile(junk, good.subarray(0, n));
      await expect(loadKeyStore({ location: junk, password: PASS, type: 'PKCS12' })).rejects.toThrow(StoreError);
    }
    expect(new X509Certificate(await readFile(pki.caCert)).ca).toBe(true);
  });
});
