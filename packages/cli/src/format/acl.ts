// ACLs on the command line (zkCli's `scheme:id:perms[,scheme:id:perms...]`) and in output.
import { type ACL, Perms } from '@zab/jute';
import { UsageError } from '../errors.js';

// zkCli's letter order when printing (getPermString): c d r w a.
const LETTERS: ReadonlyArray<[string, number]> = [
  ['c', Perms.CREATE],
  ['d', Perms.DELETE],
  ['r', Perms.READ],
  ['w', Perms.WRITE],
  ['a', Perms.ADMIN],
];
const BY_LETTER = new Map(LETTERS);

/** "cdrwa" for Perms.ALL; letters in zkCli's order. */
export function permString(perms: number): string {
  return LETTERS.filter(([, bit]) => (perms & bit) !== 0)
    .map(([c]) => c)
    .join('');
}

/** Parses perm letters in any order. Unlike zkCli, which skips unknown letters, refuses them. */
export function parsePerms(text: string): number {
  let perms = 0;
  for (const c of text) {
    const bit = BY_LETTER.get(c);
    if (bit === undefined) throw new UsageError(`Unknown perm type: ${c} (use letters of cdrwa)`);
    perms |= bit;
  }
  return perms;
}

/**
 * Parses `scheme:id:perms[,...]` as zkCli's AclParser does: the scheme ends at the first colon and
 * the perms start after the last, so ids may hold colons (`digest:user:hash:cdrwa`, `auth::cdrwa`).
 */
export function parseAcl(text: string): ACL[] {
  return text.split(',').map((entry) => {
    const first = entry.indexOf(':');
    const last = entry.lastIndexOf(':');
    if (first === -1 || first === last) throw new UsageError(`${entry} does not have the form scheme:id:perm`);
    return {
      id: { scheme: entry.slice(0, first), id: entry.slice(first + 1, last) },
      perms: parsePerms(entry.slice(last + 1)),
    };
  });
}

/** zkCli's getAcl lines: `'scheme,'id` then `: perms`, for each entry. */
export function aclLines(acl: readonly ACL[]): string[] {
  return acl.flatMap((a) => [`'${a.id.scheme},'${a.id.id}`, `: ${permString(a.perms)}`]);
}

export interface AclJson {
  scheme: string;
  id: string;
  perms: string;
}

export function aclJson(acl: readonly ACL[]): AclJson[] {
  return acl.map((a) => ({ scheme: a.id.scheme, id: a.id.id, perms: permString(a.perms) }));
}
