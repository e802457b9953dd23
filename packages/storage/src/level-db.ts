import { mkdir } from 'node:fs/promises';
import { ClassicLevel } from 'classic-level';
import { DataDirLockedError } from './errors.js';

export type DB = ClassicLevel<Buffer, Buffer>;

/**
 * One open LevelDB shared by the stores that keep keys in it. Each store holds a
 * reference and releases it on close; the database closes with the last release, so a
 * store closed on its own never pulls the database from under another.
 */
export class SharedDb {
  /** Starts at 1: the opener's reference, which it releases once its stores hold theirs. */
  private refs = 1;
  private closing: Promise<void> | null = null;

  private constructor(
    readonly db: DB,
    readonly dir: string,
  ) {}

  /**
   * Opens (creating if needed) the LevelDB at `dir`. LevelDB's LOCK file refuses a second
   * open of the same directory, from another process or this one: that is DataDirLockedError.
   */
  static async open(dir: string): Promise<SharedDb> {
    await mkdir(dir, { recursive: true });
    const db: DB = new ClassicLevel<Buffer, Buffer>(dir, { keyEncoding: 'buffer', valueEncoding: 'buffer' });
    try {
      await db.open();
    } catch (e) {
      // LevelDB words it "IO error: lock <dir>/LOCK: Resource temporarily unavailable" (another
      // process) or "... already held by process" (this one); a permission problem on the LOCK
      // file reads "IO error: <dir>/LOCK: ..." and stays what it is.
      const cause = (e as { cause?: unknown }).cause;
      const text = `${(e as Error).message} ${cause instanceof Error ? cause.message : ''}`;
      if (/IO error: lock /.test(text)) throw new DataDirLockedError(dir, { cause: e });
      throw e;
    }
    return new SharedDb(db, dir);
  }

  /** Takes a reference; pair with release(). */
  retain(): DB {
    if (this.closing) throw new Error(`${this.dir} is closed`);
    this.refs++;
    return this.db;
  }

  /** Drops a reference; closes the database when none is left. */
  release(): Promise<void> {
    if (--this.refs > 0) return Promise.resolve();
    this.closing ??= this.db.close();
    return this.closing;
  }
}
