// Well-formed request bodies for every opcode of the client protocol, as field trees the
// fuzzer then mutates. Field order and types follow zookeeper.jute (CreateRequest,
// SetDataRequest, ReconfigRequest, GetSASLRequest, ...). Paths stay under /fuzz, or name
// nodes the fuzz may read but not change, so that what a fuzz frame does is bounded by ACLs.
import { CreateMode, OpCode } from '@zab/jute';
import type { Rng } from '../differential/rng.js';
import { F, type Field } from './jute-fields.js';

/** Paths a fuzz request names. /good is the good clients' subtree: readable, not writable for the fuzz. */
const PATHS = ['/', '/fuzz', '/fuzz/a', '/fuzz/a/b', '/fuzz/b', '/fuzz/c-', '/fuzz/e', '/good', '/good/m1', '/zookeeper', '/zookeeper/quota', '/zookeeper/config', '/nonexistent/x'];

function path(rng: Rng): string {
  if (rng.bool(0.1)) return `/fuzz/${rng.int(1000)}`;
  return rng.pick(PATHS);
}

function data(rng: Rng): Buffer | null {
  if (rng.bool(0.1)) return null;
  return rng.bytes(rng.bool(0.05) ? rng.int(4096) : rng.int(32));
}

const WORLD = () => F.rec(F.int(31), F.rec(F.str('world'), F.str('anyone')));

function acl(rng: Rng): Field {
  const pick = rng.int(5);
  if (pick === 0) return F.vec([]);
  if (pick === 1) return F.vec([F.rec(F.int(rng.int(32)), F.rec(F.str('digest'), F.str(`u${rng.int(9)}:${'x'.repeat(27)}=`)))]);
  if (pick === 2) return F.vec([F.rec(F.int(31), F.rec(F.str('ip'), F.str(rng.pick(['127.0.0.1', '10.0.0.0/8', '::1', 'not-an-ip']))))]);
  if (pick === 3) return F.vec([F.rec(F.int(1), F.rec(F.str('auth'), F.str(''))), WORLD()]);
  return F.vec([WORLD()]);
}

/** Mostly ephemeral, so what the fuzz creates goes with its session. */
function createFlags(rng: Rng): number {
  if (rng.bool(0.7)) return rng.pick([CreateMode.EPHEMERAL, CreateMode.EPHEMERAL_SEQUENTIAL]);
  return rng.int(8);
}

const pathWatch = (rng: Rng) => F.rec(F.str(path(rng)), F.bool(rng.bool(0.3)));
const pathOnly = (rng: Rng) => F.rec(F.str(path(rng)));
const create = (rng: Rng) => F.rec(F.str(path(rng)), F.buf(data(rng)), acl(rng), F.int(createFlags(rng)));
const createTTL = (rng: Rng) => F.rec(F.str(path(rng)), F.buf(data(rng)), acl(rng), F.int(rng.pick([5, 6])), F.long(BigInt(1 + rng.int(10_000))));
const version = (rng: Rng) => (rng.bool(0.6) ? -1 : rng.int(5));
const paths = (rng: Rng) => F.vec(Array.from({ length: rng.int(4) }, () => F.str(path(rng))));

/** The ops multi accepts (writes) and multiRead accepts (reads), each as MultiHeader + record. */
function multiBody(rng: Rng, read: boolean): Field {
  const ops: Field[] = [];
  const n = rng.int(6);
  for (let i = 0; i < n; i++) {
    const type = read ? rng.pick([OpCode.getData, OpCode.getChildren]) : rng.pick([OpCode.create, OpCode.create2, OpCode.createTTL, OpCode.delete, OpCode.setData, OpCode.check]);
    const header = F.rec(F.int(type), F.bool(false), F.int(-1));
    const body =
      type === OpCode.getData || type === OpCode.getChildren
        ? pathWatch(rng)
        : type === OpCode.delete || type === OpCode.check
          ? F.rec(F.str(path(rng)), F.int(version(rng)))
          : type === OpCode.setData
            ? F.rec(F.str(path(rng)), F.buf(data(rng)), F.int(version(rng)))
            : type === OpCode.createTTL
              ? createTTL(rng)
              : create(rng);
    ops.push(header, body);
  }
  ops.push(F.rec(F.int(-1), F.bool(true), F.int(-1)));
  return F.rec(...ops);
}

/**
 * A body generator per request opcode. Every opcode a client may send is here, including the
 * ones a server refuses (reconfig, sasl) and the ones that end the session or the connection
 * (closeSession, auth).
 */
export const REQUESTS: Readonly<Record<number, (rng: Rng) => Field>> = {
  [OpCode.create]: create,
  [OpCode.create2]: create,
  [OpCode.createContainer]: (rng) => F.rec(F.str(path(rng)), F.buf(data(rng)), acl(rng), F.int(CreateMode.CONTAINER)),
  [OpCode.createTTL]: createTTL,
  [OpCode.delete]: (rng) => F.rec(F.str(path(rng)), F.int(version(rng))),
  [OpCode.exists]: pathWatch,
  [OpCode.getData]: pathWatch,
  [OpCode.setData]: (rng) => F.rec(F.str(path(rng)), F.buf(data(rng)), F.int(version(rng))),
  [OpCode.getACL]: pathOnly,
  [OpCode.setACL]: (rng) => F.rec(F.str(path(rng)), acl(rng), F.int(version(rng))),
  [OpCode.getChildren]: pathWatch,
  [OpCode.getChildren2]: pathWatch,
  [OpCode.sync]: pathOnly,
  [OpCode.ping]: () => F.rec(),
  [OpCode.check]: (rng) => F.rec(F.str(path(rng)), F.int(version(rng))),
  [OpCode.multi]: (rng) => multiBody(rng, false),
  [OpCode.multiRead]: (rng) => multiBody(rng, true),
  // ReconfigRequest: joiningServers, leavingServers, newMembers, curConfigId.
  [OpCode.reconfig]: (rng) => F.rec(F.str('server.9=127.0.0.1:1:2;3'), F.str(rng.bool() ? '1' : null), F.str(null), F.long(-1n)),
  [OpCode.checkWatches]: (rng) => F.rec(F.str(path(rng)), F.int(1 + rng.int(3))),
  [OpCode.removeWatches]: (rng) => F.rec(F.str(path(rng)), F.int(1 + rng.int(3))),
  [OpCode.setWatches]: (rng) => F.rec(F.long(BigInt(rng.int(1000))), paths(rng), paths(rng), paths(rng)),
  [OpCode.setWatches2]: (rng) => F.rec(F.long(BigInt(rng.int(1000))), paths(rng), paths(rng), paths(rng), paths(rng), paths(rng)),
  // GetSASLRequest: token.
  [OpCode.sasl]: (rng) => F.rec(F.buf(rng.bytes(rng.int(64)))),
  [OpCode.getEphemerals]: pathOnly,
  [OpCode.getAllChildrenNumber]: pathOnly,
  [OpCode.addWatch]: (rng) => F.rec(F.str(path(rng)), F.int(rng.int(2))),
  [OpCode.whoAmI]: () => F.rec(),
  // AuthPacket: type, scheme, auth. Never the super user's password.
  [OpCode.auth]: (rng) => F.rec(F.int(0), F.str(rng.pick(['digest', 'ip', 'world', 'sasl', 'x'])), F.buf(Buffer.from(`fuzz${rng.int(9)}:pw${rng.int(9)}`))),
  [OpCode.closeSession]: () => F.rec(),
};

/** Opcodes whose well-formed request ends the connection (or may): sent last on a connection. */
export const ENDS_CONNECTION = new Set<number>([OpCode.closeSession, OpCode.auth]);
/** Opcodes that keep a connection open whatever their body says. */
export const KEEPS_CONNECTION = Object.keys(REQUESTS)
  .map(Number)
  .filter((t) => !ENDS_CONNECTION.has(t));
/** Numbers that are not request types (notification, error, createSession as a request, unassigned). */
export const NOT_REQUESTS = [OpCode.notification, OpCode.error, OpCode.createSession, 10, 23, 99, 108, 1000, -3, -0x80000000, 0x7fffffff];
