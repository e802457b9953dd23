// The data of ZooKeeper's quota nodes. A quota on `/app` is two nodes under
// /zookeeper/quota: `/zookeeper/quota/app/zookeeper_limits` (the limits, written by setquota)
// and `/zookeeper/quota/app/zookeeper_stats` (the usage, kept by the server). Both hold
// StatsTrack text. The server and zkcli read and write it; it lives here as a wire format.

/**
 * The values of a limits or stats node: `key=value` pairs separated by `,` or `;`, keys
 * `count`, `bytes`, `countHardLimit`, `byteHardLimit`; a missing key reads as -1. It writes
 * them back byte for byte as ZooKeeper 3.8.0's StatsTrack does: `count=C,bytes=B`, then,
 * when there are other keys, `=` and `;key=value` for each in sorted order (the stray `=`
 * is 3.8.0's, and its parser skips it, as this one does).
 */
export class StatsTrack {
  static readonly QUOTA_ROOT = '/zookeeper/quota';
  static readonly LIMIT_NODE = 'zookeeper_limits';
  static readonly STAT_NODE = 'zookeeper_stats';

  /** The limits node of the quota on `root` (a path outside /zookeeper/quota). */
  static limitPath(root: string): string {
    return `${StatsTrack.QUOTA_ROOT}${root}/${StatsTrack.LIMIT_NODE}`;
  }

  /** The stats node of the quota on `root`. */
  static statPath(root: string): string {
    return `${StatsTrack.QUOTA_ROOT}${root}/${StatsTrack.STAT_NODE}`;
  }

  private readonly values = new Map<string, bigint>();

  constructor(data?: Buffer | string | null) {
    const text = typeof data === 'string' ? data : data ? data.toString('utf8') : '';
    for (const pair of text.split(/[,;]+/)) {
      // Java's split("=") drops trailing empty parts, so "bytes=-1=" is bytes -1. A pair
      // ZooKeeper could not parse (it would throw while applying) is skipped here instead:
      // applying a txn must not fail on data a client wrote.
      const parts = pair.split('=');
      if (parts.length < 2 || parts[0] === '') continue;
      const value = parts[1]!;
      if (value === '') this.values.set(parts[0]!, -1n);
      else if (/^[+-]?\d{1,19}$/.test(value)) this.values.set(parts[0]!, BigInt.asIntN(64, BigInt(value)));
    }
  }

  get(key: string): bigint {
    return this.values.get(key) ?? -1n;
  }

  set(key: string, value: bigint): this {
    this.values.set(key, BigInt.asIntN(64, value));
    return this;
  }

  get count(): bigint {
    return this.get('count');
  }

  get bytes(): bigint {
    return this.get('bytes');
  }

  get countHardLimit(): bigint {
    return this.get('countHardLimit');
  }

  get byteHardLimit(): bigint {
    return this.get('byteHardLimit');
  }

  toString(): string {
    let s = `count=${this.count},bytes=${this.bytes}`;
    const rest = [...this.values.keys()].filter((k) => k !== 'count' && k !== 'bytes').sort();
    if (rest.length) s += '=' + rest.map((k) => `;${k}=${this.values.get(k)}`).join('');
    return s;
  }

  toBuffer(): Buffer {
    return Buffer.from(this.toString(), 'utf8');
  }
}

