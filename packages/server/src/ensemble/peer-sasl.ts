// SASL between ensemble members, as ZooKeeper 3.8 configures and applies it
// (quorum.auth.enableSasl, quorum.auth.learnerRequireSasl, quorum.auth.serverRequireSasl): the
// member that opens a quorum or election connection authenticates with DIGEST-MD5 as the user
// of its JAAS QuorumLearner section, and the member that takes it checks the password against
// the user_<name> options of its QuorumServer section. Where ZooKeeper authenticates:
//
// - A connecting member authenticates only with learnerRequireSasl, and then refuses the peer
//   unless the exchange succeeds, including the peer's proof (rspauth) that it knows the same
//   password. Without it, it sends no SASL at all (ZooKeeper's "Skipping SASL authentication").
// - A member with enableSasl takes part in the exchange whenever the connecting member starts
//   one. With serverRequireSasl it closes every connection that did not authenticate; without
//   it, a connection that did not try, or whose exchange failed, is still taken (ZooKeeper's
//   "Maintaining learner connection despite SASL authentication failure"): the rolling mode.
//
// The frames are zab's own (the transport's length-prefixed msgpack); the exchange comes before
// the transport's hello, on top of TLS when sslQuorum is on. DIGEST-MD5 with ZooKeeper's quorum
// protocol and server names ("zookeeper-quorum", "zk-quorum-sasl-md5").
import type net from 'node:net';
import { encodeFrame, FrameReader, type PeerSockets } from '@zab/quorum';
import { DigestMd5Client, DigestMd5Server, SaslError } from '@zab/security';
import type { Logger } from 'pino';
import { GatedSocket } from './gated-socket.js';

/** ZooKeeper's QuorumAuth.QUORUM_SERVER_PROTOCOL_NAME and QUORUM_SERVER_SASL_DIGEST. */
export const QUORUM_SASL_PROTOCOL = 'zookeeper-quorum';
export const QUORUM_SASL_SERVER_NAME = 'zk-quorum-sasl-md5';
/** A DIGEST-MD5 token is at most 4 KiB; a frame of the exchange is no longer than this. */
const AUTH_FRAME_MAX_BYTES = 8 * 1024;
/** An exchange not finished by then is abandoned (the connection closed; the peer tries again). */
export const QUORUM_AUTH_TIMEOUT_MS = 10_000;
/** DIGEST-MD5 takes two tokens from the learner; more is a misbehaving peer. */
const MAX_LEARNER_TOKENS = 2;

/** What quorum SASL needs at run time, loaded from the JAAS file at start-up. */
export interface QuorumSaslSettings {
  /** quorum.auth.learnerRequireSasl: authenticate on every connection this member opens. */
  readonly learnerRequireSasl: boolean;
  /** quorum.auth.serverRequireSasl: close connections that do not authenticate. */
  readonly serverRequireSasl: boolean;
  /** The QuorumServer section's users (user name -> password). */
  readonly serverUsers: ReadonlyMap<string, string>;
  /** The QuorumLearner section's DigestLoginModule username and password. */
  readonly learner: { readonly username: string; readonly password: string };
}

/** A frame of the exchange. From the learner: `quorumAuth` is the mechanism; from the server: the status. */
interface AuthFrame {
  quorumAuth: 'DIGEST-MD5' | 'progress' | 'success' | 'error';
  token: Buffer;
}

function isAuthFrame(v: unknown): v is AuthFrame {
  const f = v as Partial<AuthFrame> | null;
  return typeof f === 'object' && f !== null && typeof f.quorumAuth === 'string' && Buffer.isBuffer(f.token);
}

function authFrame(quorumAuth: AuthFrame['quorumAuth'], token: Buffer): Buffer {
  return encodeFrame({ quorumAuth, token } satisfies AuthFrame);
}

/** `base`'s sockets (plain or TLS), with quorum SASL on top as `settings` say. */
export function saslPeerSockets(base: PeerSockets, settings: QuorumSaslSettings, log: Logger): PeerSockets {
  return {
    connect(host, port) {
      const inner = base.connect(host, port);
      if (!settings.learnerRequireSasl) return inner;
      const gated = new GatedSocket(inner);
      authenticateAsLearner(inner, settings.learner, (err) => {
        if (!err) return gated.openGate();
        log.warn({ peer: `${host}:${port}`, err: err.message }, 'quorum SASL: could not authenticate to the peer; closing the connection');
        gated.destroy();
      });
      return gated;
    },
    acceptor(ready) {
      return base.acceptor((sock) => authenticateLearner(sock, settings, log, ready));
    },
  };
}

/**
 * Runs the learner's side on `sock`: the first token, then one answer per challenge, until the
 * server says success and proves it knows the password. `done` is called once: without an
 * error when the socket carries nothing more of the exchange.
 */
function authenticateAsLearner(sock: net.Socket, creds: QuorumSaslSettings['learner'], done: (err?: Error) => void): void {
  const client = new DigestMd5Client({ ...creds, protocol: QUORUM_SASL_PROTOCOL, serverName: QUORUM_SASL_SERVER_NAME });
  const reader = new FrameReader(AUTH_FRAME_MAX_BYTES);
  let finished = false;
  const finish = (err?: Error) => {
    if (finished) return;
    finished = true;
    clearTimeout(timer);
    sock.off('data', onData);
    sock.off('close', onClose);
    done(err);
  };
  const timer = setTimeout(() => finish(new Error(`no answer to quorum SASL within ${QUORUM_AUTH_TIMEOUT_MS} ms`)), QUORUM_AUTH_TIMEOUT_MS);
  timer.unref();
  const onClose = () => finish(new Error('the peer closed the connection during quorum SASL (is quorum.auth.enableSasl on there, and the password the same?)'));
  const onData = (chunk: Buffer) => {
    try {
      for (const f of reader.push(chunk)) {
        if (finished) return;
        if (!isAuthFrame(f)) throw new SaslError('the peer answered something other than quorum SASL');
        if (f.quorumAuth === 'error') throw new SaslError('the peer refused this member\'s credentials (QuorumLearner user or password)');
        const token = client.evaluate(f.token);
        if (f.quorumAuth === 'progress' && !client.isComplete) {
          sock.write(authFrame('DIGEST-MD5', token));
        } else if (f.quorumAuth === 'success' && client.isComplete) {
          // The peer sends nothing more until this member speaks; anything buffered is a protocol error.
          if (reader.next() !== null) throw new SaslError('the peer sent more after quorum SASL success');
          return finish();
        } else {
          throw new SaslError(`unexpected quorum SASL status ${f.quorumAuth}`);
        }
      }
    } catch (e) {
      finish(e as Error);
    }
  };
  sock.on('data', onData);
  sock.on('close', onClose);
  sock.write(authFrame('DIGEST-MD5', client.initialResponse()));
}

/**
 * Runs the server's side on an accepted socket and hands it to `ready` when the member takes
 * the connection: authenticated, or (without serverRequireSasl) not. The first frame tells: an
 * exchange starts with a SASL frame, a member that does not authenticate sends its hello.
 */
function authenticateLearner(sock: net.Socket, settings: QuorumSaslSettings, log: Logger, ready: (sock: net.Socket) => void): void {
  const remote = sock.remoteAddress;
  const reader = new FrameReader(AUTH_FRAME_MAX_BYTES);
  const seen: Buffer[] = [];
  let server: DigestMd5Server | null = null;
  let tokens = 0;
  let finished = false;
  const finish = (outcome: 'take' | 'refuse', replay: boolean) => {
    if (finished) return;
    finished = true;
    clearTimeout(timer);
    sock.off('data', onData);
    if (outcome === 'refuse') {
      sock.end();
      sock.destroySoon();
      return;
    }
    // The transport reads from here on: with what it must see again, if anything.
    sock.pause();
    if (replay && seen.length) sock.unshift(Buffer.concat(seen));
    ready(sock);
    sock.resume();
  };
  const timer = setTimeout(() => {
    log.warn({ remote, afterMs: QUORUM_AUTH_TIMEOUT_MS }, 'quorum SASL: the peer did not finish authenticating; closing the connection');
    finished = true;
    sock.destroy();
  }, QUORUM_AUTH_TIMEOUT_MS);
  timer.unref();
  sock.once('close', () => clearTimeout(timer));
  const failed = (err: Error) => {
    sock.write(authFrame('error', Buffer.alloc(0)));
    if (settings.serverRequireSasl) {
      log.warn({ remote, err: err.message }, 'quorum SASL: a peer failed to authenticate; closing its connection (quorum.auth.serverRequireSasl)');
      return finish('refuse', false);
    }
    log.warn({ remote, err: err.message }, 'quorum SASL: a peer failed to authenticate; taking its connection anyway (quorum.auth.serverRequireSasl is false)');
    finish('take', false);
  };
  const onData = (chunk: Buffer) => {
    if (server === null) seen.push(chunk);
    reader.add(chunk);
    // One frame at a time: what follows a hello is the transport's, and may be longer than an exchange's frames.
    while (!finished) {
      let f: unknown;
      try {
        const next = reader.next();
        if (next === null) return;
        f = next.value;
      } catch (e) {
        log.warn({ remote, err: (e as Error).message }, 'quorum SASL: bad frame from a peer; closing its connection');
        finished = true;
        clearTimeout(timer);
        sock.destroy();
        return;
      }
      if (server === null && !isAuthFrame(f)) {
        if (settings.serverRequireSasl) {
          log.warn({ remote }, 'quorum SASL: a peer connected without authenticating; closing its connection (quorum.auth.serverRequireSasl)');
          return finish('refuse', false);
        }
        return finish('take', true);
      }
      if (!isAuthFrame(f) || f.quorumAuth !== 'DIGEST-MD5' || ++tokens > MAX_LEARNER_TOKENS) {
        return failed(new SaslError(isAuthFrame(f) ? `unexpected quorum SASL frame (${f.quorumAuth})` : 'a non-SASL frame in the middle of quorum SASL'));
      }
      server ??= new DigestMd5Server({
        protocol: QUORUM_SASL_PROTOCOL,
        serverName: QUORUM_SASL_SERVER_NAME,
        passwordOf: (user) => settings.serverUsers.get(user),
      });
      try {
        const answer = server.evaluate(f.token);
        if (!server.isComplete) {
          sock.write(authFrame('progress', answer));
          continue;
        }
        // The learner says nothing more until it has this answer; anything buffered is a protocol error.
        if (reader.next() !== null) throw new SaslError('the peer sent more before quorum SASL ended');
        sock.write(authFrame('success', answer));
        log.debug({ remote, user: server.username }, 'quorum SASL: peer authenticated');
        return finish('take', false);
      } catch (e) {
        return failed(e as Error);
      }
    }
  };
  sock.on('data', onData);
}
