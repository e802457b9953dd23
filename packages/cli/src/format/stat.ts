// A znode's Stat as zkCli.sh prints it (StatPrinter) and as --json carries it.
import type { Stat } from '@zab/jute';

/** Long.toHexString: lowercase, unpadded, two's complement for negative 64-bit values. */
export function hex64(v: bigint): string {
  return `0x${BigInt.asUintN(64, v).toString(16)}`;
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}

/** The local time zone's short name at `d` ("UTC", "CET", "GMT+2"), as Java's zzz prints it. */
function zoneName(d: Date): string {
  const part = new Intl.DateTimeFormat('en-US', { timeZoneName: 'short' }).formatToParts(d).find((p) => p.type === 'timeZoneName');
  return part?.value ?? 'UTC';
}

/** java.util.Date.toString ("EEE MMM dd HH:mm:ss zzz yyyy") in the local zone, e.g. "Sun Nov 22 14:41:03 UTC 2026". */
export function javaDate(epochMs: number): string {
  const d = new Date(epochMs);
  const time = `${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`;
  return `${DAYS[d.getDay()]} ${MONTHS[d.getMonth()]} ${pad2(d.getDate())} ${time} ${zoneName(d)} ${d.getFullYear()}`;
}

/** The eleven `name = value` lines zkCli prints for `stat`, `get -s`, `ls -s`, `set -s`. */
export function statLines(s: Stat): string[] {
  return [
    `cZxid = ${hex64(s.czxid)}`,
    `ctime = ${javaDate(Number(s.ctime))}`,
    `mZxid = ${hex64(s.mzxid)}`,
    `mtime = ${javaDate(Number(s.mtime))}`,
    `pZxid = ${hex64(s.pzxid)}`,
    `cversion = ${s.cversion}`,
    `dataVersion = ${s.version}`,
    `aclVersion = ${s.aversion}`,
    `ephemeralOwner = ${hex64(s.ephemeralOwner)}`,
    `dataLength = ${s.dataLength}`,
    `numChildren = ${s.numChildren}`,
  ];
}

/**
 * Stat for --json. 64-bit ids (zxids, the session owning an ephemeral) are hex strings as zkCli
 * prints them, since JSON numbers lose precision past 2^53; times are epoch milliseconds, which fit.
 */
export interface StatJson {
  czxid: string;
  mzxid: string;
  pzxid: string;
  ctime: number;
  mtime: number;
  version: number;
  cversion: number;
  aversion: number;
  ephemeralOwner: string;
  dataLength: number;
  numChildren: number;
}

export function statJson(s: Stat): StatJson {
  return {
    czxid: hex64(s.czxid),
    mzxid: hex64(s.mzxid),
    pzxid: hex64(s.pzxid),
    ctime: Number(s.ctime),
    mtime: Number(s.mtime),
    version: s.version,
    cversion: s.cversion,
    aversion: s.aversion,
    ephemeralOwner: hex64(s.ephemeralOwner),
    dataLength: s.dataLength,
    numChildren: s.numChildren,
  };
}
