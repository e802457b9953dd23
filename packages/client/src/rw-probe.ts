import net from 'node:net';
import type { HostPort } from './connect-string.js';

/** The first wait before probing for a read-write server, doubled after each probe (as the Java client). */
export const RW_PROBE_FIRST_MS = 100;
/** The longest wait between probes. */
export const RW_PROBE_MAX_MS = 60_000;
/** A probe that has not answered by then counts as "not read-write". */
const PROBE_TIMEOUT_MS = 1_000;

/**
 * Asks one server whether it serves read-write: `isro` answers `rw`, `ro`, or `null` (not
 * serving). Resolves true only for `rw`; any failure (refused, timeout, a server that does not
 * answer four-letter words) is false.
 */
export function answersReadWrite(server: HostPort, timeoutMs = PROBE_TIMEOUT_MS): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect({ host: server.host, port: server.port });
    const chunks: Buffer[] = [];
    let bytes = 0;
    const done = (rw: boolean) => {
      clearTimeout(timer);
      sock.destroy();
      resolve(rw);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    sock.on('connect', () => sock.write('isro'));
    sock.on('data', (c: Buffer) => {
      chunks.push(c);
      bytes += c.length;
      if (bytes >= 16) done(false); // not an isro answer: no need to read on
    });
    sock.on('error', () => done(false));
    sock.on('close', () => done(Buffer.concat(chunks).toString('latin1').trim() === 'rw'));
  });
}

/**
 * While a client is connected read-only, looks for a read-write server in the background, as
 * the Java client's pingRwServer: one probe at a time, to the next server of the host ring
 * each time, first after RW_PROBE_FIRST_MS and then twice as long each time up to
 * RW_PROBE_MAX_MS. `found` is called once, with the first server that answers `rw`; the
 * owner then moves its session there. start() when the connection becomes read-only, stop()
 * when it ends; a probe that answers after stop() is ignored.
 */
export class RwServerProbe {
  private timer: NodeJS.Timeout | null = null;
  private generation = 0;

  constructor(
    private readonly nextHost: () => HostPort,
    private readonly found: (server: HostPort) => void,
  ) {}

  start(): void {
    this.stop();
    const generation = this.generation;
    const schedule = (waitMs: number) => {
      this.timer = setTimeout(() => {
        this.timer = null;
        const server = this.nextHost();
        void answersReadWrite(server).then((rw) => {
          if (generation !== this.generation) return;
          if (rw) {
            this.generation++;
            this.found(server);
          } else {
            schedule(Math.min(RW_PROBE_MAX_MS, waitMs * 2));
          }
        });
      }, waitMs);
      this.timer.unref();
    };
    schedule(RW_PROBE_FIRST_MS);
  }

  stop(): void {
    this.generation++;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
