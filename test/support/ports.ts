import net from 'node:net';

// Ports handed to tests come from below the kernel's ephemeral range (32768-60999 on Linux):
// a port picked from that range by binding to 0 can be given to some unrelated outgoing
// connection in the moment between our probe and the server's own bind. That race once made
// an ensemble member fail with EADDRINUSE in CI. Ports are also never handed out twice in one
// process.
const LOW = 12_000;
const HIGH = 32_000;
const handedOut = new Set<number>();

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen({ port, host: '127.0.0.1', exclusive: true }, () => srv.close(() => resolve(true)));
  });
}

/** A TCP port on 127.0.0.1 that was free a moment ago, outside the ephemeral range. */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 1_000; attempt++) {
    const port = LOW + Math.floor(Math.random() * (HIGH - LOW));
    if (handedOut.has(port)) continue;
    if (await bindable(port)) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error(`no free port found between ${LOW} and ${HIGH}`);
}
