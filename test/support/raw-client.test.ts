// The raw client against Apache ZooKeeper 3.8: every opcode it offers answers with a
// well-formed reply, error codes come back as data, notifications are kept in order, and a
// closed connection resolves what was pending instead of hanging.
import { AddWatchMode, CreateMode, ErrorCode, EventType, KeeperState, WatcherType } from '@zab/jute';
import { describe, expect, it } from 'vitest';
import { suiteServer } from './suite-server.js';
import { OPEN_ACL, op, RawClient } from './raw-client.js';

describe('RawClient against ZooKeeper 3.8', () => {
  const zk = suiteServer('zookeeper');

  it('negotiates a session and echoes the readOnly byte only when it was sent', async () => {
    const a = await RawClient.connect({ port: zk.port, autoPing: false, sessionTimeoutMs: 1_000 });
    expect(a.sessionId).not.toBe(0n);
    expect(a.passwd.length).toBe(16);
    expect(a.negotiatedTimeoutMs).toBe(4_000); // clamped up to 2 x tickTime
    expect(a.readOnly).toBeUndefined();
    const b = await RawClient.connect({ port: zk.port, autoPing: false, readOnly: false, sessionTimeoutMs: 600_000 });
    expect(b.readOnly).toBe(false);
    expect(b.negotiatedTimeoutMs).toBe(40_000); // clamped down to 20 x tickTime
    // Reattach b's session on a new connection with its id and password.
    const b2 = await RawClient.connect({ port: zk.port, autoPing: false, sessionId: b.sessionId, passwd: b.passwd, lastZxidSeen: b.lastZxid });
    expect(b2.sessionId).toBe(b.sessionId);
    await b.closed; // the server drops the older connection of a moved session
    await Promise.all([a.close(), b2.close()]);
  });

  it('answers every opcode with data, never an exception', async () => {
    const c = await RawClient.connect({ port: zk.port, autoPing: false });
    const replies = [
      await c.create('/rc', Buffer.from('x')),
      await c.create2('/rc/a', null, OPEN_ACL, CreateMode.EPHEMERAL),
      await c.createContainer('/rc/c', null),
      await c.createTTL('/rc/t', null, OPEN_ACL, CreateMode.PERSISTENT_WITH_TTL, 60_000n),
      await c.exists('/rc', true),
      await c.getData('/rc', true),
      await c.setData('/rc', Buffer.from('y'), 0),
      await c.getACL('/rc'),
      await c.setACL('/rc', OPEN_ACL, 0),
      await c.getChildren('/rc', true),
      await c.getChildren2('/rc'),
      await c.multi([op.create('/rc/m', null, OPEN_ACL), op.check('/rc/m', 0), op.delete('/rc/m')]),
      await c.multiRead([op.getData('/rc'), op.getChildren('/rc')]),
      await c.sync('/rc'),
      await c.ping(),
      await c.auth('digest', Buffer.from('u:p')),
      await c.setWatches(0n, ['/rc'], [], []),
      await c.setWatches2({ relativeZxid: 0n, persistentRecursiveWatches: ['/rc'] }),
      await c.addWatch('/rc', AddWatchMode.PERSISTENT),
      await c.checkWatches('/rc', WatcherType.Data),
      await c.removeWatches('/rc', WatcherType.Any),
      await c.getEphemerals('/rc'),
      await c.getAllChildrenNumber('/rc'),
      await c.whoAmI(),
    ];
    for (const r of replies) {
      expect(r.err, `opcode ${r.type}`).toBe(0);
      expect(r.decodeError, `opcode ${r.type}`).toBeUndefined();
    }
    expect(replies[21]!.body).toEqual({ ephemerals: ['/rc/a'] });
    expect(replies[22]!.body).toEqual({ totalNumber: 3 });
    const missing = await c.exists('/rc/nope');
    expect(missing.err).toBe(ErrorCode.NONODE);
    expect(missing.body).toBeUndefined();
    expect((await c.delete('/rc', 5)).err).toBe(ErrorCode.BADVERSION);
    expect(c.protocolErrors).toEqual([]);
    const closed = await c.close();
    expect(closed.err).toBe(0);
    expect(c.isOpen).toBe(false);
  });

  it('keeps notifications in arrival order with their place among replies', async () => {
    const watcher = await RawClient.connect({ port: zk.port, autoPing: false });
    const writer = await RawClient.connect({ port: zk.port, autoPing: false });
    expect((await watcher.exists('/n', true)).err).toBe(ErrorCode.NONODE);
    await writer.create('/n', null);
    const created = await watcher.waitForNotification((n) => n.path === '/n');
    expect(created).toMatchObject({ type: EventType.NodeCreated, state: KeeperState.SyncConnected, zxid: -1n, afterReplies: 1 });
    // The writer's own watch fires before the writer's reply.
    await writer.getData('/n', true);
    const set = await writer.setData('/n', Buffer.from('1'));
    expect(set.err).toBe(0);
    expect(writer.notifications).toEqual([{ type: EventType.NodeDataChanged, state: 3, path: '/n', zxid: -1n, afterReplies: 2 }]);
    await Promise.all([watcher.close(), writer.close()]);
  });

  it('resolves pending requests as lost when the connection closes', async () => {
    const c = await RawClient.connect({ port: zk.port, autoPing: false });
    const pending = c.getData('/');
    c.destroy();
    const r = await pending;
    expect(r.lost).toBe('closed');
    expect(r.err).toBe(ErrorCode.CONNECTIONLOSS);
    const after = await c.ping();
    expect(after.lost).toBe('closed');
  });
});
