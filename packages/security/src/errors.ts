// Operating errors of @zab/security: bad files, bad passwords, bad settings. Each says what is
// wrong and where (a file, a line, a setting), so an operator can fix it without reading code.
// Programmer errors use assert instead.

/** A key store or trust store that cannot be read: unreadable file, unknown format, wrong
 *  password, corrupt or tampered content. `location` is the file as configured. */
export class StoreError extends Error {
  override readonly name = 'StoreError';
  constructor(
    readonly location: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${location}: ${message}`, options);
  }
}

/** A store's password does not open it: an integrity check or a decryption failed in the way
 *  a wrong password explains (a modified file fails the same way). Internal to the store
 *  readers, which turn it into a StoreError naming the file. */
export class WrongPasswordError extends Error {
  override readonly name = 'WrongPasswordError';
}

/** A setting with a value ZooKeeper would also refuse (unknown enum value, bad number). */
export class SettingError extends Error {
  override readonly name = 'SettingError';
  constructor(
    readonly setting: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${setting}: ${message}`, options);
  }
}

/** A JAAS login configuration file that does not parse; `line` is 1-based. */
export class JaasSyntaxError extends Error {
  override readonly name = 'JaasSyntaxError';
  constructor(
    readonly file: string,
    readonly line: number,
    message: string,
  ) {
    super(`${file}:${line}: ${message}`);
  }
}

/** A SASL exchange that must stop: a malformed token, a wrong password, a failed check. The
 *  message is for the server's log; the peer only learns that authentication failed. */
export class SaslError extends Error {
  override readonly name = 'SaslError';
}
