import type { ACL } from '@zab/jute';

/**
 * Numbers the distinct ACL lists a tree holds, so each znode keeps a small id and the tree
 * each list once. The lists it hands out are shared: never modify one. Ids are never freed
 * (a tree holds few distinct lists).
 */
export class AclInterner {
  private readonly byKey = new Map<string, number>();
  private readonly lists: ACL[][] = [];
  private lastId = -1;

  /** The id of this list's contents, numbering it when first seen. */
  idOf(acl: ACL[]): number {
    // Most nodes carry the ACL of the node before them (a snapshot restore, a burst of
    // creates): compare with that one before building a key.
    const last = this.lastId;
    if (last >= 0 && sameAcl(this.lists[last]!, acl)) return last;
    let key = '';
    for (const a of acl) key += `${a.perms}\u0000${a.id.scheme}\u0000${a.id.id}\u0001`;
    let id = this.byKey.get(key);
    if (id === undefined) {
      id = this.lists.length;
      this.lists.push(acl.map((a) => ({ perms: a.perms, id: { scheme: a.id.scheme, id: a.id.id } })));
      this.byKey.set(key, id);
    }
    this.lastId = id;
    return id;
  }

  /** The shared list numbered `id`. */
  listOf(id: number): ACL[] {
    return this.lists[id]!;
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
