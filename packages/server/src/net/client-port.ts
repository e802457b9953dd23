import { createServer, type Server, type Socket } from 'node:net';
import { once } from 'node:events';
import { Connection } from './connection.js';
import type { ZkServer } from '../zk-server.js';

/**
 * The client port listener: accepts TCP connections, enforces maxClientCnxns per client
 * address (0 = unlimited) and hands each connection to the server core.
 */
export class ClientPort {
  private readonly listener: Server;
  private readonly perAddress = new Map<string, number>();
  private nextConnectionId = 1;

  constructor(private readonly server: ZkServer, private readonly maxClientCnxns: number) {
    this.listener = createServer((socket) => this.accept(socket));
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
    const count = this.perAddress.get(addr) ?? 0;
    if (this.maxClientCnxns > 0 && count >= this.maxClientCnxns) {
      this.server.log.warn({ remote: addr, maxClientCnxns: this.maxClientCnxns }, 'too many connections from one address; refusing');
      socket.destroy();
      return;
    }
    this.perAddress.set(addr, count + 1);
    socket.once('close', () => {
      const n = (this.perAddress.get(addr) ?? 1) - 1;
      if (n <= 0) this.perAddress.delete(addr);
      else this.perAddress.set(addr, n);
    });
    this.server.addConnection(new Connection(socket, this.server, this.nextConnectionId++));
  }

  /** Stops accepting, and closes the open connections (the listener's close waits for them). */
  async close(): Promise<void> {
    const closed = once(this.listener, 'close');
    this.listener.close();
    for (const c of [...this.server.connections]) c.close();
    await closed;
  }
}
