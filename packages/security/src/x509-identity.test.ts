import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { x509AuthIds, x509ClientId } from './x509-identity.js';
import { runJava } from './testing/java.js';
import { makePki, openssl, type Pki } from './testing/pki.js';

let pki: Pki;
beforeAll(async () => {
  pki = await makePki();
});
afterAll(() => pki?.cleanup());

/** Subjects in openssl's -subj form, chosen for every rule of Java's RFC 2253 output: order,
 *  keywords, OIDs in hex, escaping, spaces, non-ASCII, multi-valued RDNs. */
const SUBJECTS: { subj: string; multi?: boolean }[] = [
  { subj: '/CN=alice/O=zab' },
  { subj: '/C=US/ST=CA/L=San Francisco/O=Acme, Inc./OU=R\\+D/CN=svc "quoted" \\\\back' },
  { subj: '/CN=  leading and trailing  /O=#hash=eq;semi<lt>gt' },
  { subj: '/DC=com/DC=example/UID=jdoe/CN=J Doe' },
  { subj: '/CN=alice/emailAddress=alice@example.com' },
  { subj: '/CN=Grüße 日本/O=zab' },
  { subj: '/CN=alice+UID=42/O=zab', multi: true },
  { subj: '/O=zab/UID=7+CN=bob+OU=ops', multi: true },
  { subj: '/serialNumber=1234/CN=x' },
  { subj: '/title=Dr/street=Main St 1/CN=a_b@c*d&e!%' },
  { subj: '/CN=#start/OU= /O=a  b' },
];

describe('x509 client ids', () => {
  it('are the subject exactly as Java prints X500Principal.getName()', async () => {
    const files: string[] = [];
    for (const [i, { subj, multi }] of SUBJECTS.entries()) {
      const file = path.join(pki.dir, `subject-${i}.pem`);
      await openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', path.join(pki.dir, `subject-${i}.key`),
        '-out', file, '-days', '1', '-utf8', '-subj', subj, ...(multi ? ['-multivalue-rdn'] : [])], pki.dir);
      files.push(file);
    }
    const java = await runJava('X500Probe', files);
    expect(java.code, java.stderr).toBe(0);
    const javaNames = java.stdout.split('\n').slice(0, files.length);
    const ours = await Promise.all(files.map(async (f) => x509ClientId(pemToDer(await readFile(f, 'utf8')))));
    expect(ours).toEqual(javaNames);
    // Spot checks, so a reader sees the rules without running Java.
    expect(ours[0]).toBe('O=zab,CN=alice');
    expect(ours[4]).toMatch(/^1\.2\.840\.113549\.1\.9\.1=#16/);
  });

  it("add super when the subject is the configured super user, as ZooKeeper's provider does", async () => {
    const file = path.join(pki.dir, 'super.pem');
    await openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', path.join(pki.dir, 'super.key'),
      '-out', file, '-days', '1', '-subj', '/CN=alice/O=zab'], pki.dir);
    const der = pemToDer(await readFile(file, 'utf8'));
    expect(x509AuthIds(der)).toEqual([{ scheme: 'x509', id: 'O=zab,CN=alice' }]);
    expect(x509AuthIds(der, 'O=zab,CN=alice')).toEqual([{ scheme: 'x509', id: 'O=zab,CN=alice' }, { scheme: 'super', id: 'O=zab,CN=alice' }]);
    expect(x509AuthIds(der, 'CN=alice,O=zab')).toHaveLength(1);
  });
});

function pemToDer(pem: string): Buffer {
  return Buffer.from(pem.split('-----')[2]!.replace(/\s+/g, ''), 'base64');
}
