import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { RwServerProbe, answersReadWrite } from './rw-probe.js';

const servers: net.Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

/** A server that answers isro with `answer` (or says nothing and keeps the connection open, for null). */
async function isroServer(answer: string | null): Promise<{ host: string; port: number; asked: () => number }> {
  let asked = 0;
  const s = net.createServer((c) => {
    c.once('data', (d) => {
      if (d.toString() !== 'isro') return c.destroy();
      asked++;
      if (answer !== null) c.end(answer);
    });
    c.on('error', () => undefined);
  });
  servers.push(s);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  return { host: '127.0.0.1', port: (s.address() as net.AddressInfo).port, asked: () => asked };
}

describe('looking for a read-write server', () => {
  it('counts only rw as read-write: ro, null, silence and a refused connection are not', async () => {
    expect(await answersReadWrite(await isroServer('rw'))).toBe(true);
    expect(await answersReadWrite(await isroServer('ro'))).toBe(false);
    expect(await answersReadWrite(await isroServer('null'))).toBe(false);
    expect(await answersReadWrite(await isroServer(null), 200)).toBe(false);
    const closed = await isroServer('rw');
    await new Promise((r) => servers.pop()!.close(r));
    expect(await answersReadWrite(closed)).toBe(false);
  });

  it('probes the hosts in turn until one answers rw, then stops', async () => {
    const ro = await isroServer('ro');
    const rw = await isroServer('rw');
    const hosts = [ro, ro, rw];
    let i = 0;
    const found = await new Promise<{ port: number }>((resolve) => new RwServerProbe(() => hosts[i++ % hosts.length]!, resolve).start());
    expect(found.port).toBe(rw.port);
    expect({ ro: ro.asked(), rw: rw.asked() }).toEqual({ ro: 2, rw: 1 });
  });
});
