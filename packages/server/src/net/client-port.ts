import { createServer, type Server, type Socket } from 'node:net';
import { once } from 'node:events';
import type tls from 'node:tls';
import type { Id } from '@zab/jute';
import { Connection } from './connection.js';
import { acceptTlsOrPlain, type ClientPortTls, tlsAcceptor } from './tls-accept.js';
import type { ZkServer } from '../zk-server.js';

/** How one client port takes connections. */
export interface ClientPortOptions {
  /** maxClientCnxns: connections from one address (0 = unlimited). */
  readonly maxClientCnxns: number;
  /** maxCnxns: connections open at once over every client port of the server (0 = unlimited). */
  readonly maxCnxns?: number;
  /** TLS for every client (secureClientPort) or for those that start with a handshake (client.portUnification). */
  readonly tls?: ClientPortTls;
}

/**
 * One client port listener: accepts TCP connections, enforces maxClientCnxns per client
 * address and maxCnxns over the server, runs the TLS handshake when the port takes TLS, and
 * hands each connection to the server core. A server may have two (clientPort and secureClientPort).
 */
export class ClientPort {
  private readonly listener: Server;
  private readonly tlsServer: tls.Server | undefined;
  private readonly perAddress = new Map<string, number>();

  constructor(
    private readonly server: ZkServer,
    private readonly options: ClientPortOptions,
  ) {
    this.listener = createServer((socket) => this.accept(socket));
    this.tlsServer = options.tls && tlsAcceptor(options.tls, server.settings.auth, server.log, (s, ids) => this.serve(s, ids));
  }

  async listen(port: number, host: string): Promise<{ port: number; host: string }> {
    this.listener.listen({ port, host });
    await once(this.listener, 'listening');
    const addr = this.listener.address();
    if (addr === null || typeof addr === 'string') throw new Error('client port has no TCP address');
    return { port: addr.port, host: addr.address };
  }

  private accept(socket: Socket): void {
    const addr = socket.remoteAddress ?? '';
    const { maxClientCnxns, maxCnxns = 0, tls } = this.options;
    const log = this.server.log;
    if (maxCnxns > 0 && this.server.connections.size >= maxCnxns) {
      log.warn({ remote: addr, maxCnxns }, 'too many connections (maxCnxns); refusing');
      socket.destroy();
      return;
    }
    const count = this.perAddress.get(addr) ?? 0;
    if (maxClientCnxns > 0 && count >= maxClientCnxns) {
      log.warn({ remote: addr, maxClientCnxns }, 'too many connections from one address; refusing');
      socket.destroy();
      return;
    }
    this.perAddress.set(addr, count + 1);
    socket.once('close', () => {
      const n = (this.perAddress.get(addr) ?? 1) - 1;
      if (n <= 0) this.perAddress.delete(addr);
      else this.perAddress.set(addr, n);
    });
    if (!tls || !this.tlsServer) return this.serve(socket, []);
    socket.on('error', (err) => log.debug({ remote: addr, err: err.message }, 'client socket error before the handshake'));
    acceptTlsOrPlain(socket, tls.mode, tls.handshakeDetectionTimeoutMs, this.tlsServer, (plain) => this.serve(plain, []));
  }

  private serve(socket: Socket, ids: Id[]): void {
    if (socket.destroyed) return;
    const conn = new Connection(socket, this.server, this.server.nextConnectionId());
    conn.authIds.push(...ids);
    this.server.addConnection(conn);
    if (socket.isPaused()) socket.resume();
  }

  /**
   * Stops accepting new connections and leaves the open ones to the server (a reconfiguration
   * moved the client port elsewhere; 3.8 keeps its connections too). Whoever closes the port
   * that replaced this one closes them.
   */
  stopAccepting(): void {
    this.listener.close();
  }

  /** Stops accepting, and closes the open connections (the listener's close waits for them). */
  async close(): Promise<void> {
    const closed = once(this.listener, 'close');
    this.listener.close();
    for (const c of [...this.server.connections]) c.close();
    await closed;
  }
}
