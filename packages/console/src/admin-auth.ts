// Who may change data through the console. ZooKeeper 3.8's admin server authenticates nobody
// (its only options are TLS ones); 3.9 takes `Authorization: digest user:password` for its
// mutating commands. zab's console follows the digest form: admin.authDigests lists digest
// ids (user:base64(sha1(user:password)), as ZooKeeper's DigestAuthenticationProvider makes
// them); a user whose password yields a listed id may write, and every write still goes
// through that user's own ZooKeeper session, so the znodes' ACLs decide as for any client.
import { createHash, timingSafeEqual } from 'node:crypto';

/** user:base64(sha1(user:password)): the id a digest ACL names (DigestAuthenticationProvider.generateDigest). */
export function digestId(user: string, password: string): string {
  return `${user}:${createHash('sha1').update(`${user}:${password}`).digest('base64')}`;
}

/** What a login is allowed to do, and why not more. */
export interface Grant {
  canWrite: boolean;
  /** Why the session is read-only (null when it may write). */
  readOnlyReason: string | null;
}

/**
 * Checks console logins against admin.authDigests. A listed user with a wrong password is
 * refused (an AuthFailed the page shows); an unlisted user is let in read-only, since their
 * reads are checked by the ACLs like any client's.
 */
export class AdminAuth {
  private readonly byUser: ReadonlyMap<string, string>;

  constructor(authDigests: readonly string[]) {
    this.byUser = new Map(authDigests.map((d) => [d.slice(0, d.indexOf(':')), d]));
  }

  /** Whether any user may write (admin.authDigests is set). */
  get configured(): boolean {
    return this.byUser.size > 0;
  }

  /** The grant for `user` (null: anonymous); throws WrongPassword for a listed user with another password. */
  grant(user: string | null, password: string): Grant {
    if (!this.configured) return { canWrite: false, readOnlyReason: 'admin auth is not configured (admin.authDigests): the console is read-only' };
    if (user === null) return { canWrite: false, readOnlyReason: 'anonymous: log in as an admin user to change data' };
    const listed = this.byUser.get(user);
    if (listed === undefined) return { canWrite: false, readOnlyReason: `${user} is not an admin user (admin.authDigests): read-only` };
    const given = Buffer.from(digestId(user, password));
    const want = Buffer.from(listed);
    if (given.length !== want.length || !timingSafeEqual(given, want)) throw new WrongPassword(user);
    return { canWrite: true, readOnlyReason: null };
  }
}

export class WrongPassword extends Error {
  constructor(readonly user: string) {
    super(`wrong password for admin user ${user}`);
    this.name = 'WrongPassword';
  }
}

/**
 * Failed logins per remote address in a sliding minute, bounded in addresses tracked, so that
 * guessing an admin password over the admin port is slow. Time comes from the caller.
 */
export class LoginLimiter {
  private readonly failures = new Map<string, number[]>();

  constructor(private readonly maxPerMinute = 10, private readonly maxAddresses = 1024) {}

  /** Whether `address` may try now. */
  allowed(address: string, nowMs: number): boolean {
    return this.recent(address, nowMs).length < this.maxPerMinute;
  }

  fail(address: string, nowMs: number): void {
    const list = this.recent(address, nowMs);
    list.push(nowMs);
    this.failures.delete(address);
    this.failures.set(address, list);
    // Oldest-first eviction keeps the table bounded under a spray of addresses.
    while (this.failures.size > this.maxAddresses) this.failures.delete(this.failures.keys().next().value!);
  }

  private recent(address: string, nowMs: number): number[] {
    return (this.failures.get(address) ?? []).filter((t) => nowMs - t < 60_000);
  }
}
