import { describe, expect, it } from 'vitest';
import type { OpRecord, StateEvent, WatchEvent, WatchRegistered } from '../run/history.js';
import { FAULT_KINDS, makeSchedule } from '../run/schedule.js';
import { Anomalies } from './anomalies.js';
import { checkExpiries } from './expiry.js';
import { checkHolders } from './holders.js';
import { checkRegisters } from './registers.js';
import { checkSequence, checkWatcher } from './sequence.js';
import { checkRestart } from './run-checks.js';
import { divergentMembers, dumpEntry, persistentPart } from './trees.js';
import { closesOfMajority } from './committed-closes.js';

let nextId = 1;
/** An op record; times in ms for readability (stored in µs). */
function op(client: string, session: string | null, what: Partial<OpRecord> & { op: string; from: number; to: number }): OpRecord {
  const { from, to, ...rest } = what;
  return { id: nextId++, client, session, t0: from * 1000, t1: to * 1000, outcome: 'ok', result: {}, ...rest };
}
const state = (client: string, s: StateEvent['state'], atMs: number, session = 's1', wall = atMs): StateEvent => ({ client, state: s, session, t: atMs * 1000, wall });
const kinds = (a: Anomalies) => Object.fromEntries(a.counts);

describe('register checks', () => {
  const R = '/chaos/r/0';
  it('find a session that goes back to an older version, and count plain reads behind as stale only', () => {
    const a = new Anomalies();
    const ops = [
      op('w', 'sw', { op: 'set', path: R, value: 'a', from: 0, to: 1, result: { version: 1 } }),
      op('r', 'sr', { op: 'get', path: R, from: 2, to: 3, result: { value: 'a', version: 1 } }),
      op('r', 'sr', { op: 'get', path: R, from: 4, to: 5, result: { value: 'init', version: 0 } }),
      op('x', 'sx', { op: 'get', path: R, from: 6, to: 7, result: { value: 'init', version: 0 } }),
    ];
    const f = checkRegisters(ops, [R], new Map([[R, 1]]), a, 0);
    expect(kinds(a)).toEqual({ 'session-order': 1 });
    expect(f.staleReads).toBe(2);
  });

  it('find an acknowledged write above the final version, a phantom read and a non-linearizable sync read', () => {
    const a = new Anomalies();
    const ops = [
      op('w', 'sw', { op: 'set', path: R, value: 'a', from: 0, to: 1, result: { version: 1 } }),
      op('w', 'sw', { op: 'set', path: R, value: 'b', from: 2, to: 3, result: { version: 2 } }),
      op('r', 'sr', { op: 'get', path: R, from: 4, to: 5, result: { value: 'zzz', version: 9 } }),
      op('q', 'sq', { op: 'syncGet', path: R, from: 6, to: 7, result: { value: 'a', version: 1 } }),
    ];
    const f = checkRegisters(ops, [R], new Map([[R, 1]]), a, 0);
    expect(f.lostWrites).toBe(1);
    expect(kinds(a)).toEqual({ 'lost-write': 1, 'phantom-read': 1, 'non-linearizable': 1 });
    expect(a.details.get('non-linearizable')![0]).toContain('smallest window');
  });

  it('accept a clean history', () => {
    const a = new Anomalies();
    const ops = [
      op('w', 'sw', { op: 'set', path: R, value: 'a', from: 0, to: 1, result: { version: 1 } }),
      op('c', 'sc', { op: 'set', path: R, value: 'b', expectedVersion: 0, from: 2, to: 3, outcome: 'fail', err: 'BadVersionError' }),
      op('q', 'sq', { op: 'syncGet', path: R, from: 4, to: 5, result: { value: 'a', version: 1 } }),
    ];
    checkRegisters(ops, [R], new Map([[R, 1]]), a, 0);
    expect(a.total).toBe(0);
  });
});

describe('sequential creates and the watcher', () => {
  const P = '/chaos/seq';
  const name = (n: number) => `s-${String(n).padStart(10, '0')}`;
  const created = (client: string, n: number, value: string, from: number) => op(client, 's', { op: 'create', path: `${P}/s-`, value, from, to: from + 1, result: { path: `${P}/${name(n)}` } });

  it('find a lost create, a number given twice, a gap and a failed create that took effect', () => {
    const a = new Anomalies();
    const ops = [
      created('a', 0, 'a#0', 0),
      created('b', 0, 'b#0', 0),
      created('a', 1, 'a#1', 2),
      op('b', 's', { op: 'create', path: `${P}/s-`, value: 'b#1', from: 3, to: 4, outcome: 'fail', err: 'NodeExistsError' }),
    ];
    const children = new Map([
      [name(0), 'a#0'],
      [name(2), 'b#1'],
    ]);
    const f = checkSequence(ops, P, children, a);
    expect(f.lostWrites).toBe(1);
    expect(kinds(a)).toEqual({ sequence: 3, 'lost-write': 1, 'failed-write-applied': 1 });
  });

  it('let the watcher miss children only across a disconnection, never repeat or reorder them', () => {
    const ops = [0, 1, 2, 3].map((n) => created('a', n, `a#${n}`, n * 10));
    const children = new Map([0, 1, 2, 3].map((n) => [name(n), `a#${n}`]));
    const ev = (n: number, atMs: number): WatchEvent => ({ client: 'w', type: 1, path: `${P}/${name(n)}`, t: atMs * 1000 });
    const clean = new Anomalies();
    checkWatcher('w', ops, [ev(0, 1), ev(1, 11), ev(2, 21), ev(3, 31)], [], [], P, children, clean);
    expect(clean.total).toBe(0);
    const acrossLoss = new Anomalies();
    checkWatcher('w', ops, [ev(0, 1), ev(3, 31)], [state('w', 'disconnected', 5), state('w', 'connected', 29)], [], P, children, acrossLoss);
    expect(acrossLoss.total).toBe(0);
    const missed = new Anomalies();
    checkWatcher('w', ops, [ev(0, 1), ev(2, 21), ev(3, 31)], [], [], P, children, missed);
    expect(kinds(missed)).toEqual({ watch: 2 }); // the gap, and child 1 never seen while connected
    const repeated = new Anomalies();
    checkWatcher('w', ops, [ev(0, 1), ev(1, 11), ev(1, 12), ev(2, 21), ev(3, 31)], [], [], P, children, repeated);
    expect(kinds(repeated)).toEqual({ watch: 1 });
  });

  it('after an expiry, expect of the watcher only what was created once it had registered its watch again', () => {
    const ops = [0, 1, 2, 3].map((n) => created('a', n, `a#${n}`, n * 10));
    const children = new Map([0, 1, 2, 3].map((n) => [name(n), `a#${n}`]));
    const ev = (n: number, atMs: number): WatchEvent => ({ client: 'w', type: 1, path: `${P}/${name(n)}`, t: atMs * 1000 });
    const reg = (atMs: number): WatchRegistered => ({ client: 'w', t: atMs * 1000 });
    const expired = [state('w', 'disconnected', 5), state('w', 'expired', 6), state('w', 'connected', 8, 's2')];
    // Registered again at 15: child 1 (created at 10) may be missed, children 2 and 3 may not.
    const caughtUp = new Anomalies();
    checkWatcher('w', ops, [ev(0, 1), ev(2, 21), ev(3, 31)], expired, [reg(15)], P, children, caughtUp);
    expect(caughtUp.total).toBe(0);
    const missedAfter = new Anomalies();
    checkWatcher('w', ops, [ev(0, 1), ev(3, 31)], expired, [reg(15)], P, children, missedAfter);
    expect(kinds(missedAfter)).toEqual({ watch: 1 }); // child 2, created after the watch was back
    // Never registered again: nothing after the expiry can be expected.
    const never = new Anomalies();
    checkWatcher('w', ops, [ev(0, 1)], expired, [], P, children, never);
    expect(never.total).toBe(0);
  });
});

describe('holders', () => {
  it('find two clients holding at once, and end a holding at a disconnection', () => {
    const lock = (c: string, from: number, to: number) => op(c, 's', { op: 'lockAcquire', from, to });
    const unlock = (c: string, at: number) => op(c, 's', { op: 'lockRelease', from: at, to: at + 1 });
    const overlap = new Anomalies();
    checkHolders('/l', [lock('a', 0, 1), unlock('a', 10), lock('b', 2, 5), unlock('b', 20)], 'lockAcquire', 'lockRelease', [], [], overlap);
    expect(kinds(overlap)).toEqual({ 'two-holders': 1 });
    // a lost its connection at 4 ms: from then on it must assume the lock is gone.
    const handedOver = new Anomalies();
    checkHolders('/l', [lock('a', 0, 1), unlock('a', 10), lock('b', 2, 5), unlock('b', 20)], 'lockAcquire', 'lockRelease', [state('a', 'disconnected', 4)], [], handedOver);
    expect(handedOver.total).toBe(0);
  });
});

describe('sessions told expired', () => {
  it('need a committed close prepared before the client was told', () => {
    const told = [state('c', 'expired', 0, '0xabc', 1_000)];
    const ok = new Anomalies();
    expect(checkExpiries([], told, [{ session: '0xabc', timeMs: 900 }], ok)).toBe(1);
    expect(ok.total).toBe(0);
    const early = new Anomalies();
    checkExpiries([], told, [{ session: '0xabc', timeMs: 1_400 }], early);
    expect(kinds(early)).toEqual({ 'expired-uncommitted': 1 });
    const never = new Anomalies();
    checkExpiries([op('c', '0xdef', { op: 'set', from: 0, to: 1, outcome: 'info', expiredSession: '0xdef', wall: 5 })], [], [], never);
    expect(kinds(never)).toEqual({ 'expired-uncommitted': 1 });
  });
});

describe('member trees', () => {
  it('name the members that differ from the majority', () => {
    const t = (x: string) => new Map([['/chaos', x]]);
    expect(divergentMembers(new Map([[1, t('a')], [2, t('a')], [3, t('b')]])).map((d) => d.id)).toEqual([3]);
    expect(divergentMembers(new Map([[1, t('a')], [2, t('a')], [3, t('a')]]))).toEqual([]);
  });

  const stat = { version: 1, cversion: 0, czxid: 0x100000001n, mzxid: 0x100000002n, ephemeralOwner: 0n };
  it('keep the persistent znodes of a dump and leave out the ephemeral ones', () => {
    const dump = new Map([
      ['/chaos/r/0', dumpEntry('7', stat)],
      ['/chaos/owner', dumpEntry('me', { ...stat, ephemeralOwner: 0x1234n })],
    ]);
    expect([...persistentPart(dump).keys()]).toEqual(['/chaos/r/0']);
  });

  it('tell a write lost in a restart of all members from a stat that changed', () => {
    const before = new Map([['/chaos/r/0', dumpEntry('7', stat)]]);
    const anomalies = new Anomalies();
    const lost = checkRestart(before, new Map([
      [1, before],
      [2, new Map([['/chaos/r/0', dumpEntry('7', { ...stat, mzxid: 0x100000003n })]])],
      [3, new Map([['/chaos/r/0', dumpEntry('6', stat)]])],
      [4, new Map()],
    ]), anomalies);
    expect(lost).toBe(2);
    expect(kinds(anomalies)).toEqual({ 'divergent-members': 1, 'lost-write': 2 });
  });
});

describe('committed closes', () => {
  it('count a close that a majority of the members logged', () => {
    const close = (zxid: bigint, session: string) => ({ zxid, session, timeMs: 5 });
    const logged = [[close(1n, '0xa'), close(2n, '0xb')], [close(1n, '0xa'), close(1n, '0xa')], [close(2n, '0xb'), close(3n, '0xc')]];
    expect(closesOfMajority(logged).map((c) => c.session).sort()).toEqual(['0xa', '0xb']);
    expect(closesOfMajority([[close(1n, '0xa')], [], []])).toEqual([]);
  });
});

describe('fault schedule', () => {
  it('is the same for the same seed, and deals every kind in a short run', () => {
    const opts = { seconds: 90, syncLimitMs: 2_500, sessionTimeoutMs: 5_000 };
    expect(makeSchedule(7, opts)).toEqual(makeSchedule(7, opts));
    expect(makeSchedule(7, opts)).not.toEqual(makeSchedule(8, opts));
    expect(new Set(makeSchedule(7, opts).episodes.map((e) => e.kind))).toEqual(new Set(FAULT_KINDS));
    for (const e of makeSchedule(7, opts).episodes.filter((x) => x.kind === 'pause')) expect(e.durationMs).toBeGreaterThan(5_000);
  });
});
