// Where peers listen, and how the transport opens, takes and listens for their sockets.
import net from 'node:net';
import type { Configuration } from '../configuration.js';

/** Where a peer listens. `host` is resolved again on every connection attempt. */
export interface PeerAddress {
  sid: number;
  host: string;
  quorumPort: number;
  electionPort: number;
}

/** The peers a host gives its transport: every member of these configurations, by its newest address. */
export function peersOf(configs: readonly Configuration[]): Map<number, PeerAddress> {
  const peers = new Map<number, PeerAddress>();
  const newestFirst = [...configs].sort((a, b) => (a.version > b.version ? -1 : a.version < b.version ? 1 : 0));
  for (const c of newestFirst) {
    for (const m of c.members) if (!peers.has(m.sid)) peers.set(m.sid, { sid: m.sid, host: m.host, quorumPort: m.quorumPort, electionPort: m.electionPort });
  }
  return peers;
}

/**
 * How TcpTransport opens and takes its sockets: plain TCP by default; an ensemble with
 * sslQuorum or portUnification gives one that speaks TLS (the server package builds it from
 * ssl.quorum.*). A socket handed to `accepted`'s callback is one to read the hello from.
 */
export interface PeerSockets {
  /** Opens a connection to a peer's port; writes made before it is up are sent once it is. */
  connect(host: string, port: number): net.Socket;
  /** Given what to do with a connection ready to speak on, what to do with each accepted TCP one (hand it on, or drop it). Called once per transport. */
  acceptor(ready: (sock: net.Socket) => void): (raw: net.Socket) => void;
}

export const PLAIN_PEER_SOCKETS: PeerSockets = Object.freeze({
  connect: (host: string, port: number) => net.connect({ host, port }),
  acceptor: (ready: (sock: net.Socket) => void) => ready,
});

export function sameAddress(a: PeerAddress, b: PeerAddress): boolean {
  return a.host === b.host && a.quorumPort === b.quorumPort && a.electionPort === b.electionPort;
}

/** Listens on host:port, handing each connection to `onConn`; rejects if the port cannot be bound. */
export function listenOn(host: string, port: number, onConn: (s: net.Socket) => void): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer(onConn);
    srv.once('error', reject);
    srv.listen(port, host, () => {
      srv.off('error', reject);
      resolve(srv);
    });
  });
}

export function closeServer(srv: net.Server | null): Promise<void> {
  return new Promise((resolve) => (srv ? srv.close(() => resolve()) : resolve()));
}
