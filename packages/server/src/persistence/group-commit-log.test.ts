import { memoryStorage, type TxnLog } from '@zab/storage';
import { describe, expect, it } from 'vitest';
import { systemClock } from '../clock.js';
import type { TxnHeader } from '../tree/txn.js';
import { GroupCommitLog, isMarker, type GroupCommitOptions, type LogEntry } from './group-commit-log.js';
import type { StoredTxn } from './stored-state.js';

const hdr = (zxid: number): TxnHeader => ({ sessionId: 1n, cxid: zxid, zxid: BigInt(zxid), timeMs: 0, type: 2 });
const txn = (zxid: number): StoredTxn => ({ zxid: BigInt(zxid), hdr: hdr(zxid), txn: { kind: 'delete', path: `/n${zxid}` } });
const names = (batch: LogEntry[]) => batch.map((e) => (isMarker(e) ? 'marker' : String(e.zxid))).join(',');

/** A log whose appends wait until the test lets them finish, recording what it was asked. */
function gatedLog(events: string[]): { log: TxnLog; release: () => void } {
  const inner = memoryStorage().log;
  const gates: (() => void)[] = [];
  const log = Object.create(inner) as TxnLog;
  log.append = async (txns) => {
    events.push(`append ${txns.map((t) => t.zxid).join(',')}`);
    await new Promise<void>((r) => gates.push(r));
    await inner.append(txns);
  };
  return { log, release: () => gates.shift()?.() };
}

async function until(cond: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not met');
    await new Promise((r) => setImmediate(r));
  }
}

function run(options: GroupCommitOptions) {
  const events: string[] = [];
  const { log, release } = gatedLog(events);
  const gcl = new GroupCommitLog(log, options, systemClock, (b) => events.push(`durable ${names(b)}`), (err) => events.push(`fatal ${err}`), (ms, txns) => {
    expect(ms).toBeGreaterThanOrEqual(0);
    events.push(`synced ${txns}`);
  });
  return { gcl, events, release };
}

describe('GroupCommitLog', () => {
  it('reports each durable append (its time and txns) before handing its batch back, in order', async () => {
    const storage = memoryStorage();
    const events: string[] = [];
    const gcl = new GroupCommitLog(storage.log, { maxBatchTxns: 10, gather: 'turn', overlap: true }, systemClock, (b) => events.push(`durable ${names(b)}`), (e) => events.push(`fatal ${e}`), (_ms, n) =>
      events.push(`synced ${n}`),
    );
    gcl.add(txn(1), txn(2));
    gcl.add({ marker: () => events.push('sync') }, txn(3));
    await gcl.idle();
    expect(events).toEqual(['synced 3', 'durable 1,2,marker,3']);
    expect(await storage.log.lastZxid()).toBe(3n);
  });

  it('gathers what arrives while a write is in flight into the next batch, up to maxBatchTxns', async () => {
    const { gcl, events, release } = run({ maxBatchTxns: 2, gather: 'microtask', overlap: false });
    gcl.add(txn(1));
    await until(() => events.length === 1);
    gcl.add(txn(2), txn(3), txn(4));
    release();
    await until(() => events.length === 4);
    release();
    await until(() => events.length === 7);
    release();
    await gcl.idle();
    expect(events).toEqual(['append 1', 'synced 1', 'durable 1', 'append 2,3', 'synced 2', 'durable 2,3', 'append 4', 'synced 1', 'durable 4']);
  });

  it('without overlap hands a batch back before it starts the next write; with overlap after', async () => {
    for (const overlap of [false, true]) {
      const { gcl, events, release } = run({ maxBatchTxns: 10, gather: 'microtask', overlap });
      gcl.add(txn(1));
      await until(() => events.length === 1);
      gcl.add(txn(2));
      release();
      await until(() => events.length === 4);
      release();
      await gcl.idle();
      const next = overlap ? ['append 2', 'durable 1'] : ['durable 1', 'append 2'];
      expect(events.slice(0, 4)).toEqual(['append 1', 'synced 1', ...next]);
    }
  });

  it('addAndWrite issues the write within the call when none is in flight; add only after the gather', async () => {
    const { gcl, events, release } = run({ maxBatchTxns: 10, gather: 'microtask', overlap: false });
    gcl.add(txn(1));
    expect(events).toEqual([]);
    await until(() => events.length === 1);
    release();
    await until(() => events.length === 3);
    gcl.addAndWrite(txn(2));
    expect(events.at(-1)).toBe('append 2');
    // While a write is in flight it queues, as add does, for the next batch.
    gcl.addAndWrite(txn(3));
    expect(events.at(-1)).toBe('append 2');
    release();
    await until(() => events.length === 7);
    release();
    await gcl.idle();
    expect(events).toEqual(['append 1', 'synced 1', 'durable 1', 'append 2', 'synced 1', 'durable 2', 'append 3', 'synced 1', 'durable 3']);
  });

  it('stops on a failed append: the owner hears of it, and nothing after it is written', async () => {
    const storage = memoryStorage();
    const events: string[] = [];
    const log = Object.create(storage.log) as TxnLog;
    log.append = async () => {
      throw new Error('disk full');
    };
    const gcl = new GroupCommitLog(log, { maxBatchTxns: 10, gather: 'turn', overlap: true }, systemClock, (b) => events.push(`durable ${names(b)}`), (e) => events.push(`fatal ${(e as Error).message}`));
    gcl.add(txn(1));
    await gcl.idle();
    gcl.add(txn(2));
    await gcl.idle();
    expect(events).toEqual(['fatal disk full']);
  });

  it('writes what is added on a microtask queued while the last batch was handed back', async () => {
    // onDurable's own follow-ups may run as microtasks after drain's loop found the queue
    // empty: the log must not still count itself busy then, or they wait for the next add.
    const storage = memoryStorage();
    const durable: string[] = [];
    let follow = true;
    const gcl: GroupCommitLog = new GroupCommitLog(storage.log, { maxBatchTxns: 10, gather: 'microtask', overlap: false }, systemClock, (b) => {
      durable.push(names(b));
      if (follow) {
        follow = false;
        void Promise.resolve().then(() => gcl.add(txn(2)));
      }
    }, (e) => durable.push(`fatal ${e}`));
    gcl.add(txn(1));
    await until(() => durable.length === 2);
    expect(durable).toEqual(['1', '2']);
  });
});
