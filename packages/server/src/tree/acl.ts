import { createHash } from 'node:crypto';
import { isIPv4, isIPv6 } from 'node:net';
import { ErrorCode, Perms, type ACL, type Id } from '@zab/jute';
import { javaStringHash } from './java-hash-order.js';

/**
 * ACL schemes as ZooKeeper's authentication providers define them: world, auth, digest,
 * ip, sasl, x509 and the super user. A connection's identities (its "auth info") start with its ip id
 * and grow with each successful `addauth`.
 */

/** The digest id of "user:password": user:base64(sha1("user:password")). */
export function digestOf(userPassword: string): string {
  const user = userPassword.split(':', 1)[0]!;
  return `${user}:${createHash('sha1').update(userPassword, 'utf8').digest('base64')}`;
}

/** Number of parts of Java's String.split(sep) (trailing empty parts dropped). */
function javaSplitCount(s: string, sep: string): number {
  const parts = s.split(sep);
  while (parts.length > 1 && parts[parts.length - 1] === '') parts.pop();
  return parts.length;
}

/** Address bytes of a literal IPv4/IPv6 address, or null. */
export function addressBytes(addr: string): number[] | null {
  if (addr.startsWith('::ffff:') && isIPv4(addr.slice(7))) addr = addr.slice(7);
  if (isIPv4(addr)) return addr.split('.').map(Number);
  if (!isIPv6(addr)) return null;
  const [head, tail] = addr.includes('::') ? addr.split('::') : [addr, undefined];
  const parse = (s: string | undefined): number[] => (s ? s.split(':').map((g) => parseInt(g, 16)) : []);
  const hi = parse(head);
  const lo = parse(tail);
  const groups = tail === undefined ? hi : [...hi, ...new Array(8 - hi.length - lo.length).fill(0), ...lo];
  if (groups.length !== 8 || groups.some((g) => !(g >= 0 && g <= 0xffff))) return null;
  return groups.flatMap((g) => [g >> 8, g & 0xff]);
}

function ipMatches(clientAddr: string, aclExpr: string): boolean {
  const slash = aclExpr.indexOf('/');
  const aclBytes = addressBytes(slash < 0 ? aclExpr : aclExpr.slice(0, slash));
  if (!aclBytes) return false;
  let bits = aclBytes.length * 8;
  if (slash >= 0) {
    const text = aclExpr.slice(slash + 1);
    if (!/^[+-]?\d+$/.test(text)) return false;
    bits = Number(text);
    if (bits < 0 || bits > aclBytes.length * 8) return false;
  }
  const client = addressBytes(clientAddr);
  if (!client || client.length !== aclBytes.length) return false;
  for (let i = 0; i < client.length; i++) {
    const keep = Math.max(0, Math.min(8, bits - i * 8));
    const mask = (0xff << (8 - keep)) & 0xff;
    if ((client[i]! & mask) !== (aclBytes[i]! & mask)) return false;
  }
  return true;
}

function ipValid(id: string): boolean {
  const slash = id.indexOf('/');
  const bytes = addressBytes(slash < 0 ? id : id.slice(0, slash));
  if (!bytes) return false;
  if (slash < 0) return true;
  const text = id.slice(slash + 1);
  if (!/^[+-]?\d+$/.test(text)) return false;
  const bits = Number(text);
  return bits >= 0 && bits <= bytes.length * 8;
}

interface Provider {
  isValid(id: string): boolean;
  /** Whether ids of this scheme stand for an authenticated user (what `auth` ACLs expand to). */
  authenticated: boolean;
  matches(authId: string, aclId: string): boolean;
  userName(id: string): string;
}

const providers = new Map<string, Provider>([
  [
    'digest',
    {
      isValid: (id) => javaSplitCount(id, ':') === 2,
      authenticated: true,
      matches: (a, b) => a === b,
      userName: (id) => id.split(':')[0]!,
    },
  ],
  // sasl:<user> (SASLAuthenticationProvider) and x509:<subject> (X509AuthenticationProvider):
  // ids the sasl packet and the TLS handshake add; an ACL names them exactly. As in ZooKeeper,
  // an ACL may name them only when authProvider.N registers them (fixupAcl's `schemes`).
  ['sasl', { isValid: (id) => id.length > 0, authenticated: true, matches: (a, b) => a === b, userName: (id) => id }],
  ['x509', { isValid: (id) => id.length > 0, authenticated: true, matches: (a, b) => a === b, userName: (id) => id }],
  [
    'ip',
    {
      isValid: ipValid,
      authenticated: false,
      matches: ipMatches,
      userName: (id) => id,
    },
  ],
]);

/** Thrown by fixupAcl/checkAcl with the wire code to answer. */
export class AclError extends Error {
  constructor(readonly code: number) {
    super(`acl error ${code}`);
  }
}

/** Whether the identities may do `perm` on a node with `acl` (any one bit of perm suffices). */
export function checkAcl(acl: readonly ACL[], perm: number, ids: readonly Id[], skipAcl = false): boolean {
  if (skipAcl || acl.length === 0) return true;
  for (const id of ids) if (id.scheme === 'super') return true;
  for (const a of acl) {
    if ((a.perms & perm) === 0) continue;
    if (a.id.scheme === 'world' && a.id.id === 'anyone') return true;
    const p = providers.get(a.id.scheme);
    if (!p) continue;
    for (const id of ids) if (id.scheme === a.id.scheme && p.matches(id.id, a.id.id)) return true;
  }
  return false;
}

/**
 * Validates an ACL list for create/setACL and expands `auth` entries to the caller's
 * authenticated ids. Throws AclError(INVALIDACL) like ZooKeeper's fixupACL. `schemes` are the
 * schemes with a registered provider (ip, digest, and what authProvider.N adds): an ACL naming
 * another is invalid, and `auth` expands only to ids of those, as in ZooKeeper's
 * ProviderRegistry. Undefined: every scheme zab knows (for cores built without settings).
 */
export function fixupAcl(acl: readonly ACL[], ids: readonly Id[], schemes?: ReadonlySet<string>): ACL[] {
  const providerOf = (scheme: string) => (schemes === undefined || schemes.has(scheme) ? providers.get(scheme) : undefined);
  const unique: ACL[] = [];
  for (const a of acl) {
    if (!unique.some((u) => u.perms === a.perms && u.id.scheme === a.id.scheme && u.id.id === a.id.id)) unique.push(a);
  }
  if (unique.length === 0) throw new AclError(ErrorCode.INVALIDACL);
  const out: ACL[] = [];
  for (const a of unique) {
    if (a.id.scheme === 'world' && a.id.id === 'anyone') {
      out.push(a);
    } else if (a.id.scheme === 'auth') {
      let any = false;
      for (const id of idsInServerOrder(ids)) {
        if (providerOf(id.scheme)?.authenticated) {
          any = true;
          out.push({ perms: a.perms, id: { scheme: id.scheme, id: id.id } });
        }
      }
      if (!any) throw new AclError(ErrorCode.INVALIDACL);
    } else {
      const p = providerOf(a.id.scheme);
      if (!p || !p.isValid(a.id.id)) throw new AclError(ErrorCode.INVALIDACL);
      out.push(a);
    }
  }
  return out;
}

/**
 * Handles an auth packet: the ids it adds, or null when the scheme is unknown (the
 * caller answers AuthFailed and closes the connection, as ZooKeeper does).
 */
export function authenticate(scheme: string, auth: Buffer | null, clientAddr: string, superDigest: string | undefined): Id[] | null {
  if (scheme === 'digest') {
    const id = digestOf((auth ?? Buffer.alloc(0)).toString('utf8'));
    const out: Id[] = [];
    if (superDigest !== undefined && id === superDigest) out.push({ scheme: 'super', id: '' });
    out.push({ scheme: 'digest', id });
    return out;
  }
  if (scheme === 'ip') return [{ scheme: 'ip', id: clientAddr }];
  return null;
}

/** whoAmI's view of an id: its scheme and user name ('' for schemes without a provider). */
export function clientInfo(id: Id): { authScheme: string; user: string } {
  const p = providers.get(id.scheme);
  return { authScheme: id.scheme, user: p ? p.userName(id.id) : '' };
}

/**
 * A connection's ids in the order ZooKeeper lists them: it keeps them in a hash set
 * (ConcurrentHashMap of jute Id, 16 buckets until 12 ids), so whoAmI answers in
 * bucket order, then insertion order.
 */
export function idsInServerOrder(ids: readonly Id[]): Id[] {
  let capacity = 16;
  while (ids.length > capacity * 0.75) capacity *= 2;
  const keyed = ids.map((id, i) => {
    let h = Math.imul(17, 37) + javaStringHash(id.scheme);
    h = (Math.imul(h, 37) + javaStringHash(id.id)) | 0;
    const spread = (h ^ (h >>> 16)) & 0x7fffffff;
    return { id, i, bucket: spread & (capacity - 1) };
  });
  keyed.sort((a, b) => a.bucket - b.bucket || a.i - b.i);
  return keyed.map((k) => k.id);
}

/** getACL without ADMIN permission shows digest ids as user:x. */
export function maskDigests(acl: readonly ACL[]): ACL[] {
  return acl.map((a) =>
    a.id.scheme === 'digest' ? { perms: a.perms, id: { scheme: 'digest', id: a.id.id.replace(/:.*/s, ':x') } } : a,
  );
}

export { Perms };
