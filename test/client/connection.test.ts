// The client's connection loop against a real zab server and against sockets that misbehave:
// why a connection failed is reported ('connectionError', 'protocolError') while the client
// moves on to a server that works, and a request refused before it is sent leaves the
// connection alone.
import net from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { BadArgumentsError, FrameLengthError } from '@zab/jute';
import { createClient, type ConnectionErrorEvent, type ZooKeeperClient } from '@zab/client';
import { freePort } from '../support/launch.js';
import { suiteServer } from '../support/suite-server.js';

describe('the client connection loop', () => {
  const server = suiteServer('zab');
  const clients: ZooKeeperClient[] = [];
  const closers: (() => Promise<void>)[] = [];
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    for (const close of closers) await close();
  });

  it('reports a refused connection with its cause and moves on to the next server', async () => {
    const nobody = await freePort(); // nothing listens there
    const c = createClient(`127.0.0.1:${nobody},127.0.0.1:${server.port}`, { shuffleHosts: false, sessionTimeoutMs: 10_000 });
    clients.push(c);
    const errors: ConnectionErrorEvent[] = [];
    c.on('connectionError', (e: ConnectionErrorEvent) => errors.push(e));
    await c.connected();
    expect(c.connectedServer).toEqual({ host: '127.0.0.1', port: server.port });
    expect(errors.length).toBeGreaterThanOrEqual(1);
    expect(errors[0]).toMatchObject({ host: '127.0.0.1', port: nobody, cause: { code: 'ECONNREFUSED' } });
    expect(await c.create('/after-refusal')).toBe('/after-refusal');
  });

  it('reports a server that sends a frame past the limit as a protocol error, and moves on', async () => {
    // A server that answers the handshake with a frame length no reply can have.
    const liar = net.createServer((s) => {
      s.on('error', () => undefined);
      s.once('data', () => s.write(Buffer.from([0x7f, 0xff, 0xff, 0xff])));
    });
    await new Promise<void>((r) => liar.listen(0, '127.0.0.1', () => r()));
    closers.push(() => new Promise((r) => liar.close(() => r())));
    const liarPort = (liar.address() as net.AddressInfo).port;
    const c = createClient(`127.0.0.1:${liarPort},127.0.0.1:${server.port}`, { shuffleHosts: false, sessionTimeoutMs: 10_000 });
    clients.push(c);
    const protocolErrors: unknown[] = [];
    c.on('protocolError', (e: unknown) => protocolErrors.push(e));
    await c.connected();
    expect(c.connectedServer?.port).toBe(server.port);
    expect(protocolErrors[0]).toBeInstanceOf(FrameLengthError);
  });

  it('rejects a bad path before sending it, and the connection carries on', async () => {
    const c = createClient(`127.0.0.1:${server.port}`, { sessionTimeoutMs: 10_000 });
    clients.push(c);
    await c.connected();
    const states: string[] = [];
    c.on('state', (s: string) => states.push(s));
    for (const bad of ['no-slash', '/trailing/', '/double//slash']) {
      await expect(c.delete(bad)).rejects.toBeInstanceOf(BadArgumentsError);
      await expect(c.getData(bad)).rejects.toBeInstanceOf(BadArgumentsError);
      await expect(c.create(bad)).rejects.toBeInstanceOf(BadArgumentsError);
      await expect(c.transaction().create(bad).commit()).rejects.toBeInstanceOf(BadArgumentsError);
    }
    expect(await c.create('/after-bad-paths')).toBe('/after-bad-paths');
    expect(await c.exists('/after-bad-paths')).not.toBeNull();
    expect(states).toEqual([]); // never disconnected
  });
});
