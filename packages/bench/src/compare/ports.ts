// Ports for the servers the comparison starts: from a range the caller picks (by default one
// below the kernel's ephemeral range, 32768-60999, so that no outgoing connection can take a
// port between our probe and the server's bind, and away from 2181 and 8080), each probed with
// an exclusive bind and never handed out twice.
import net from 'node:net';

export interface PortRange {
  low: number;
  high: number;
}

export const DEFAULT_PORTS: PortRange = { low: 10_000, high: 11_999 };

export function parsePortRange(text: string): PortRange {
  const m = /^(\d+)-(\d+)$/.exec(text.trim());
  const low = Number(m?.[1]);
  const high = Number(m?.[2]);
  if (!m || low < 1024 || high > 65_535 || high - low < 16) throw new Error(`--ports: ${text} is not a range LOW-HIGH of at least 16 ports above 1023`);
  return { low, high };
}

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen({ port, host: '127.0.0.1', exclusive: true }, () => srv.close(() => resolve(true)));
  });
}

/** Hands out free ports of one range; owned by one comparison. */
export class PortPicker {
  private readonly handedOut = new Set<number>();
  private next: number;

  constructor(private readonly range: PortRange) {
    this.next = range.low + Math.floor(Math.random() * (range.high - range.low + 1));
  }

  async take(): Promise<number> {
    const size = this.range.high - this.range.low + 1;
    for (let tried = 0; tried < size; tried++) {
      const port = this.next;
      this.next = port >= this.range.high ? this.range.low : port + 1;
      if (this.handedOut.has(port) || port === 2181 || port === 8080) continue;
      if (await bindable(port)) {
        this.handedOut.add(port);
        return port;
      }
    }
    throw new Error(`no free port left in ${this.range.low}-${this.range.high}`);
  }

  /** Lets ports of a stopped cluster be used again. */
  release(ports: number[]): void {
    for (const p of ports) this.handedOut.delete(p);
  }
}
