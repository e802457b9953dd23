// A TCP proxy a test can cut and restore, to take a server away from a client without
// touching the server.
import net from 'node:net';

export class CuttableProxy {
  private server: net.Server | null = null;
  private readonly sockets = new Set<net.Socket>();
  port = 0;
  /** The first frame (a ConnectRequest, length prefix removed) each connection sent, in order. */
  readonly firstFrames: Buffer[] = [];

  constructor(private readonly targetPort: number) {}

  async open(port = 0): Promise<number> {
    this.server = net.createServer((client) => {
      const upstream = net.connect({ port: this.targetPort, host: '127.0.0.1' });
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('error', () => undefined);
        s.on('close', () => {
          this.sockets.delete(s);
          client.destroy();
          upstream.destroy();
        });
      }
      let head = Buffer.alloc(0);
      const recordFirst = (chunk: Buffer) => {
        head = Buffer.concat([head, chunk]);
        if (head.length < 4 || head.length < 4 + head.readInt32BE(0)) return;
        this.firstFrames.push(head.subarray(4, 4 + head.readInt32BE(0)));
        client.off('data', recordFirst);
      };
      client.on('data', recordFirst);
      client.pipe(upstream);
      upstream.pipe(client);
    });
    await new Promise<void>((r) => this.server!.listen(port, '127.0.0.1', () => r()));
    this.port = (this.server.address() as net.AddressInfo).port;
    return this.port;
  }

  /** Stops listening and drops every connection through it. */
  async cut(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
    this.server = null;
  }
}
