// Sessions in an ensemble are global: created and closed as txns, kept alive through any
// member, expired by the leader alone; a client is never served an older state than it saw.
import { ErrorCode, JuteWriter, OpCode, RequestHeader } from '@zab/jute';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEnsemble, type Ensemble, type Member } from '../support/ensemble.js';
import { RawClient } from '../support/raw-client.js';
import { waitFor } from '../support/wait.js';

const EPHEMERAL = 1;
let ens: Ensemble;
let leader: Member;
let followers: Member[];

beforeAll(async () => {
  ens = await startEnsemble('zab', { voters: 3 });
  leader = await ens.waitServing();
  followers = ens.members.filter((m) => m !== leader);
}, 120_000);

afterAll(async () => {
  await ens?.stop();
});

async function existsOn(m: Member, path: string): Promise<boolean> {
  const c = await RawClient.connect({ port: m.clientPort });
  try {
    await c.sync(path);
    return (await c.exists(path)).err === 0;
  } finally {
    await c.close();
  }
}

describe('zab ensemble sessions', () => {
  it('a session opened on one follower moves to another with its ephemerals', async () => {
    const a = await RawClient.connect({ port: followers[0]!.clientPort, sessionTimeoutMs: 10_000 });
    expect((await a.create('/moving', null, undefined, EPHEMERAL)).err).toBe(0);
    const { sessionId, passwd } = a;
    a.destroy(); // the client loses its connection, not its session
    const b = await RawClient.connect({ port: followers[1]!.clientPort, sessionId, passwd, sessionTimeoutMs: 10_000 });
    expect(b.sessionId).toBe(sessionId);
    expect((await b.exists('/moving')).err).toBe(0);
    expect((await b.setData('/moving', Buffer.from('still mine'))).err).toBe(0);
    await b.close();
    for (const m of ens.members) expect(await existsOn(m, '/moving')).toBe(false);
  });

  it('a wrong password is refused on any member', async () => {
    const a = await RawClient.connect({ port: followers[0]!.clientPort });
    const b = await RawClient.connect({ port: followers[1]!.clientPort, sessionId: a.sessionId, passwd: Buffer.alloc(16, 7) });
    expect(b.sessionId).toBe(0n); // session expired, as ZooKeeper answers
    b.destroy();
    await a.close();
  });

  it('the leader expires a session whose client vanished, and every member drops its ephemerals', async () => {
    const a = await RawClient.connect({ port: followers[0]!.clientPort, sessionTimeoutMs: 2_000, autoPing: false });
    expect((await a.create('/vanishing', null, undefined, EPHEMERAL)).err).toBe(0);
    a.destroy();
    for (const m of ens.members) await waitFor(`member ${m.id} to drop the ephemeral`, async () => !(await existsOn(m, '/vanishing')), { deadlineMs: 30_000 });
  });

  it('a client that saw a later zxid than a member has is refused by it', async () => {
    const c = RawClient.connect({ port: followers[0]!.clientPort, lastZxidSeen: 1n << 60n, connectTimeoutMs: 5_000 });
    await expect(c).rejects.toThrow();
  });

  it('sync through a follower makes a write made on another member visible', async () => {
    const writer = await RawClient.connect({ port: leader.clientPort });
    const reader = await RawClient.connect({ port: followers[1]!.clientPort });
    for (let i = 0; i < 20; i++) {
      expect((await writer.create(`/synced-${i}`, null)).err).toBe(0);
      expect((await reader.sync(`/synced-${i}`)).err).toBe(0);
      expect((await reader.exists(`/synced-${i}`)).err).toBe(0);
    }
    await writer.close();
    await reader.close();
  });

  it('a follower forwards its clients\' writes as their bytes: the leader decodes them, answers a body that does not decode MarshallingError, and the session goes on', async () => {
    const c = await RawClient.connect({ port: followers[0]!.clientPort });
    const value = Buffer.from([0, 1, 2, 0xff, 0xfe]);
    expect((await c.create('/forwarded', value)).err).toBe(0);
    expect((await c.multi([{ type: OpCode.setData, request: { path: '/forwarded', data: Buffer.from('two'), version: 0 } }, { type: OpCode.check, request: { path: '/forwarded', version: 1 } }])).err).toBe(0);
    for (const [type, body] of [
      [OpCode.create, Buffer.from('garbage!')],
      [OpCode.setData, Buffer.from([0, 0, 0, 2, 0x2f])],
    ] as const) {
      const xid = 9_000 + type;
      const w = new JuteWriter();
      w.frame();
      RequestHeader.write(w, { xid, type });
      w.raw(body);
      w.finishFrame();
      const r = await c.sendRequest(xid, type, null, w.toBuffer());
      expect(r.err, `opcode ${type}`).toBe(ErrorCode.MARSHALLINGERROR);
    }
    expect((await c.delete('/forwarded', 1)).err).toBe(0);
    for (const m of ens.members) expect(await existsOn(m, '/forwarded')).toBe(false);
    expect(c.protocolErrors).toEqual([]);
    await c.close();
  });
});
