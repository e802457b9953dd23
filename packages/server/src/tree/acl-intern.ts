import type { ACL } from '@zab/jute';

/**
 * Shares one ACL array among the znodes that carry the same list, so a large tree holds each
 * distinct ACL once. The arrays it hands out are shared: never modify one.
 */
export class AclInterner {
  private readonly byKey = new Map<string, ACL[]>();
  private last: ACL[] | null = null;

  intern(acl: ACL[]): ACL[] {
    // Most nodes carry the ACL of the node before them (a snapshot restore, a burst of
    // creates): compare with that one before building a key.
    const last = this.last;
    if (last && sameAcl(last, acl)) return last;
    let key = '';
    for (const a of acl) key += `${a.perms}\u0000${a.id.scheme}\u0000${a.id.id}\u0001`;
    let shared = this.byKey.get(key);
    if (!shared) {
      shared = acl.map((a) => ({ perms: a.perms, id: { scheme: a.id.scheme, id: a.id.id } }));
      this.byKey.set(key, shared);
    }
    this.last = shared;
    return shared;
  }
}

function sameAcl(a: ACL[], b: ACL[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x.perms !== y.perms || x.id.scheme !== y.id.scheme || x.id.id !== y.id.id) return false;
  }
  return true;
}
