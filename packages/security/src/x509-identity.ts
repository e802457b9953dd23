// The x509 identity ZooKeeper gives a TLS client: X509AuthenticationProvider takes the first
// certificate's subject as javax.security.auth.x500.X500Principal.getName() prints it, the
// RFC 2253 form, and adds it as the `x509` id (plus `super` when it equals
// zookeeper.X509AuthenticationProvider.superUser). ACLs name clients by that exact string, so
// it must come out exactly as Java prints it: RDNs last to first, the keywords Java knows for
// RFC 2253 (others as dotted OIDs with the value's DER in hex), Java's escaping.

import { X509Certificate } from 'node:crypto';
import { child, DerError, type DerNode, expect, oidOf, parseDer, TAG } from './der.js';

/** The attribute types Java writes by keyword in RFC 2253 names; any other is a dotted OID. */
const RFC2253_KEYWORDS: Readonly<Record<string, string>> = {
  '2.5.4.3': 'CN',
  '2.5.4.6': 'C',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '2.5.4.9': 'STREET',
  '0.9.2342.19200300.100.1.25': 'DC',
  '0.9.2342.19200300.100.1.1': 'UID',
};

/** Characters Java escapes with a backslash anywhere in an RFC 2253 value. */
const ESCAPED = new Set([',', '=', '+', '<', '>', '#', ';', '"', '\\']);

/** The text of a directory string, or undefined for a value Java prints in hex. */
function stringValue(value: DerNode): string | undefined {
  if (value.cls !== 'universal' || value.constructed) return undefined;
  switch (value.tag) {
    case TAG.UTF8_STRING:
      return value.content.toString('utf8');
    case TAG.PRINTABLE_STRING:
    case TAG.IA5_STRING:
    case 0x1b: // GeneralString
    case TAG.T61_STRING:
      return value.content.toString('latin1');
    case TAG.BMP_STRING:
      if (value.content.length % 2 !== 0) throw new DerError('BMPString of odd length');
      return Buffer.from(value.content).swap16().toString('utf16le');
    case TAG.UNIVERSAL_STRING: {
      if (value.content.length % 4 !== 0) throw new DerError('UniversalString length not a multiple of 4');
      let s = '';
      for (let i = 0; i < value.content.length; i += 4) s += String.fromCodePoint(value.content.readUInt32BE(i));
      return s;
    }
    default:
      return undefined;
  }
}

function escapeValue(text: string): string {
  let out = '';
  for (const c of text) {
    if (ESCAPED.has(c)) out += `\\${c}`;
    else if (c === '\u0000') out += '\\00';
    else out += c;
  }
  // Leading and trailing spaces are each escaped; inner ones are kept as they are.
  const lead = out.length - out.trimStart().length;
  const trail = out.length - out.trimEnd().length;
  if (lead === out.length) return out.replace(/ /g, '\\ ');
  return '\\ '.repeat(lead) + out.slice(lead, out.length - trail) + '\\ '.repeat(trail);
}

function avaToString(ava: DerNode): string {
  expect(ava, TAG.SEQUENCE, 'AttributeTypeAndValue');
  const oid = oidOf(child(ava, 0, 'attribute type'));
  const value = child(ava, 1, 'attribute value');
  const keyword = RFC2253_KEYWORDS[oid];
  const text = keyword ? stringValue(value) : undefined;
  if (keyword && text !== undefined) return `${keyword}=${escapeValue(text)}`;
  return `${keyword ?? oid}=#${value.raw.toString('hex')}`;
}

/** An X.501 Name (the DER SEQUENCE of RDNs) in the RFC 2253 form Java's X500Principal.getName()
 *  gives. Throws DerError for a malformed name. */
export function rfc2253NameOf(nameDer: Buffer): string {
  const name = expect(parseDer(nameDer), TAG.SEQUENCE, 'Name');
  return name.children
    .map((rdn) => {
      expect(rdn, TAG.SET, 'RelativeDistinguishedName');
      return rdn.children.map(avaToString).join('+');
    })
    .reverse()
    .join(',');
}

/** The subject Name's DER from a certificate's DER. */
function subjectDer(certDer: Buffer): Buffer {
  const cert = expect(parseDer(certDer), TAG.SEQUENCE, 'Certificate');
  const tbs = expect(child(cert, 0, 'TBSCertificate'), TAG.SEQUENCE, 'TBSCertificate');
  // version [0] is optional; subject follows serial, signature, issuer and validity.
  const first = child(tbs, 0, 'TBSCertificate');
  const offset = first.cls === 'context' && first.tag === 0 ? 1 : 0;
  return child(tbs, offset + 4, 'subject').raw;
}

/** The `x509` ACL id ZooKeeper gives a client presenting `cert` (its chain's first
 *  certificate): the subject in RFC 2253 form, as Java prints it. */
export function x509ClientId(cert: X509Certificate | Buffer): string {
  const der = cert instanceof X509Certificate ? cert.raw : cert;
  return rfc2253NameOf(subjectDer(der));
}

/** The auth ids ZooKeeper's X509AuthenticationProvider adds for a client certificate:
 *  `x509:<subject>`, and `super:<subject>` when the subject equals `superUser` (the
 *  zookeeper.X509AuthenticationProvider.superUser setting). */
export function x509AuthIds(cert: X509Certificate | Buffer, superUser?: string): { scheme: 'x509' | 'super'; id: string }[] {
  const id = x509ClientId(cert);
  const ids: { scheme: 'x509' | 'super'; id: string }[] = [{ scheme: 'x509', id }];
  if (superUser !== undefined && superUser === id) ids.push({ scheme: 'super', id });
  return ids;
}
