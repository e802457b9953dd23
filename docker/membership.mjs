// A container's place in a running ensemble (ZAB_JOIN): what its zoo.cfg lists at start, how
// it joins through `reconfig -add` once it has synced, and how it leaves (`zab-leave`, a
// `reconfig -remove` of itself). Talks to the ensemble with @zab/client; the parsing and
// planning functions are pure and exported for tests.
import { createHash } from 'node:crypto';
import { ErrorCode } from '@zab/jute';

/** Reconfig answers worth retrying: a reconfig already in flight, the joiner not synced yet, a lost or slow connection. */
const TRANSIENT = new Set([ErrorCode.RECONFIGINPROGRESS, ErrorCode.NEWCONFIGNOQUORUM, ErrorCode.CONNECTIONLOSS, ErrorCode.OPERATIONTIMEOUT, ErrorCode.SESSIONEXPIRED]);

/** zoo.cfg's `DigestAuthenticationProvider.superDigest` value for the super user's password. */
export function superDigest(password) {
  return `super:${createHash('sha1').update(`super:${password}`).digest('base64')}`;
}

/**
 * `/zookeeper/config`'s data as lines by server id, and its version (hex, as shown; null when
 * it has none).
 */
export function parseConfigData(text) {
  const servers = new Map();
  let version = null;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    const s = /^server\.(\d+)=/.exec(line);
    if (s) servers.set(Number(s[1]), line);
    const v = /^version=([0-9a-fA-F]+)$/.exec(line);
    if (v) version = v[1].toLowerCase();
  }
  return { servers, version };
}

/**
 * Where a client reaches the member a `server.N=host:quorumPort:electionPort[:role][;[clientHost:]clientPort]`
 * line describes: `host:clientPort`, with the server's own host when the client address is a
 * wildcard (3.8 shows `;2181` as `;0.0.0.0:2181`). Null when the line gives no client port.
 */
export function clientAddressOf(line) {
  const value = line.slice(line.indexOf('=') + 1);
  const [serverPart, clientPart] = value.split(';');
  if (!clientPart) return null;
  const hostOf = (s) => (s.startsWith('[') ? s.slice(0, s.indexOf(']') + 1) : s.split(':')[0]);
  const port = clientPart.slice(clientPart.lastIndexOf(':') + 1);
  const clientHost = clientPart.includes(':') ? clientPart.slice(0, clientPart.lastIndexOf(':')) : '';
  const wildcard = clientHost === '' || clientHost === '0.0.0.0' || clientHost === '[::]' || clientHost === '[0:0:0:0:0:0:0:0]';
  return `${wildcard ? hostOf(serverPart) : clientHost}:${port}`;
}

/**
 * The `server.N` lines a member's zoo.cfg lists when it starts without a configuration of its
 * own, given the configuration the running ensemble answered with (`live`, or null when no
 * member answered):
 * - the live members, plus this one (`ownLine`) when they do not list it: it then syncs as a
 *   non-voting learner, and is added by reconfig once it has;
 * - without an answer, the founding list (ZOO_SERVERS) if it names this member: the ensemble
 *   is being created;
 * - otherwise null: a member outside the founding list waits for a running ensemble to join.
 */
export function startServers({ myId, ownLine, live, founding }) {
  if (live) return [...[...live.servers].filter(([id]) => id !== myId).map(([, l]) => l), live.servers.get(myId) ?? ownLine].sort(byId);
  if (founding.has(myId)) return [...founding.values()].sort(byId);
  return null;
}

const idOf = (line) => Number(/^server\.(\d+)=/.exec(line)[1]);
const byId = (a, b) => idOf(a) - idOf(b);

/** `server.N=...` entries of a space-separated ZOO_SERVERS, by id. */
export function serversById(list) {
  return new Map(list.split(/\s+/).filter(Boolean).map((l) => [idOf(l), l]));
}

async function client(hosts, options = {}) {
  const { createClient } = await import('@zab/client');
  return createClient(hosts, { sessionTimeoutMs: 10_000, shuffleHosts: false, ...options });
}

/** Resolves with what `work` gives, or rejects after `ms` (the work's own client is closed by the caller). */
function within(ms, what, work) {
  let timer;
  const late = new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms)));
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

/** The configuration the ensemble at `hosts` serves, or null when none of them answers within `timeoutMs`. */
export async function liveConfig(hosts, timeoutMs) {
  if (hosts.length === 0) return null;
  const zk = await client(hosts.join(','));
  try {
    const { data } = await within(timeoutMs, 'reading /zookeeper/config', zk.connected().then(() => zk.getConfig()));
    return parseConfigData(data ? data.toString('utf8') : '');
  } catch {
    return null;
  } finally {
    zk.close().catch(() => undefined);
  }
}

const pause = (ms) => new Promise((r) => setTimeout(r, ms)); // between attempts, not a wait for a condition

/** An error retrying cannot help. */
const fatal = (message) => Object.assign(new Error(message), { fatal: true });

/**
 * Runs `attempt` until it returns something other than undefined; a KeeperError with a
 * transient code (or a timeout) is logged and retried after `retryMs`, anything else thrown ends it.
 */
async function retrying(what, attempt, say, retryMs = 2_000) {
  for (;;) {
    try {
      const v = await attempt();
      if (v !== undefined) return v;
    } catch (e) {
      if (e?.fatal || (e?.code !== undefined && !TRANSIENT.has(e.code))) throw e;
      say(`${what}: ${e?.message ?? e}; trying again`);
    }
    await pause(retryMs);
  }
}

/** Runs `work` with a fresh session on `hosts` (a session that expired while retrying is not reused), closed after. */
async function withSession(hosts, password, work) {
  const zk = await client(hosts);
  try {
    await within(10_000, `connecting to ${hosts}`, zk.connected());
    if (password) await within(10_000, 'authenticating as the super user', zk.addAuth('digest', `super:${password}`));
    return await work(zk);
  } finally {
    await zk.close().catch(() => undefined);
  }
}

const configIn = async (zk) => parseConfigData(((await zk.getConfig()).data ?? Buffer.alloc(0)).toString('utf8'));

/**
 * Makes this member a voting member of the ensemble once its server (127.0.0.1:`port`) has
 * synced: if the configuration it serves lists `myId`, nothing to do ('member'); otherwise
 * `reconfig -add ownLine` as the super user, retried while another reconfig is in flight or
 * the leader does not count this member as synced yet ('joined'). Rejects on an answer that
 * retrying cannot change (NoAuth, ReconfigDisabled, BadArguments).
 */
export function ensureMember({ myId, ownLine, port, password, say }) {
  return retrying('joining', () =>
    withSession(`127.0.0.1:${port}`, password, async (zk) => {
      const live = await configIn(zk);
      if (live.servers.has(myId)) return 'member';
      if (!password) throw fatal(`server.${myId} is not in the ensemble's configuration, and without ZAB_SUPER_PASSWORD it cannot add itself`);
      say(`adding ${ownLine} to the configuration (version ${live.version})`);
      await zk.reconfig({ joining: ownLine });
      return 'joined';
    }), say);
}

/**
 * Takes `myId` out of the ensemble's configuration (`reconfig -remove`), through the other
 * members (removing the leader hands over, and its clients lose their connection), and
 * resolves once a remaining member serves a configuration without it. Resolves with false
 * when the configuration did not list it.
 */
export async function leave({ myId, port, password, say, deadlineMs = 120_000 }) {
  const live = await liveConfig([`127.0.0.1:${port}`], 10_000);
  if (!live) throw fatal(`the server on 127.0.0.1:${port} does not answer; it must be serving to leave`);
  if (!live.servers.has(myId)) return false;
  const others = [...live.servers].filter(([id]) => id !== myId).map(([, l]) => clientAddressOf(l)).filter(Boolean);
  if (others.length === 0) throw fatal(`server.${myId} is the only member; it cannot leave`);
  const end = Date.now() + deadlineMs;
  return retrying('leaving', () => {
    if (Date.now() > end) throw fatal(`server.${myId} is still in the configuration after ${deadlineMs} ms`);
    return withSession(others.join(','), password, async (zk) => {
      const now = await configIn(zk);
      if (!now.servers.has(myId)) return true;
      say(`removing server.${myId} from the configuration (version ${now.version})`);
      await zk.reconfig({ leaving: [myId] });
      return undefined; // read the configuration again, from a member that stays
    });
  }, say, 500);
}
