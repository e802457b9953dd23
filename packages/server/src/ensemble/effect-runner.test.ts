import type { Effect, Entry, QuorumPeer, Transport } from '@zab/quorum';
import type { LoggedTxn, TxnLog } from '@zab/storage';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../test-support/manual-clock.js';
import type { Txn, TxnHeader } from '../tree/txn.js';
import { EffectRunner, type EffectRunnerParts } from './effect-runner.js';
import type { TxnPayload } from './txn-payload.js';

const entry = (zxid: bigint): Entry<TxnPayload> => ({ zxid, payload: { hdr: {} as TxnHeader, txn: {} as Txn } });

/**
 * A runner (leading until a role effect says otherwise) over a core that hands out scripted effects, a transport and a log that
 * write down what reaches them in one list (`steps`), and log appends that stay in flight
 * until the test lets them be durable. `onPersisted`: the effects the core emits when a
 * batch is durable (none by default).
 */
function scriptedRunner(onPersisted: (zxid: bigint) => Effect<TxnPayload>[] = () => []) {
  const steps: string[] = [];
  const persisted: bigint[] = [];
  const effects: Effect<TxnPayload>[] = [];
  const inFlight: (() => void)[] = [];
  const peer = {
    state: 'LEADING',
    takeEffects: () => effects.splice(0),
    onPersisted: (zxid: bigint) => {
      persisted.push(zxid);
      effects.push(...onPersisted(zxid));
    },
    onMessage: () => undefined,
    onLinkDown: () => undefined,
    onTick: () => undefined,
  } as unknown as QuorumPeer<TxnPayload>;
  const log: Pick<TxnLog, 'append'> = {
    append: (txns: LoggedTxn[]) => {
      steps.push(`write ${txns.map((t) => t.zxid).join(',')}`);
      return new Promise<void>((resolve) => inFlight.push(resolve));
    },
  };
  const transport = (): Transport<TxnPayload> => ({
    listen: async () => undefined,
    send: (to, msg) => steps.push(`${msg.type} ${msg.type === 'PROPOSAL' ? msg.entries.map((e) => e.zxid).join(',') : msg.type === 'ACK' ? msg.zxid : ''} to ${to}`),
    sendInParts: () => undefined,
    flush: () => steps.push('flush'),
    closeLink: () => undefined,
    updatePeers: async () => undefined,
    close: async () => undefined,
  });
  const parts = {
    peer,
    epochs: {} as EffectRunnerParts['epochs'],
    log: log as TxnLog,
    transport,
    clock: new ManualClock(),
    state: {} as EffectRunnerParts['state'],
    roles: { role: () => undefined } as unknown as EffectRunnerParts['roles'],
    inbound: () => undefined,
    warn: () => undefined,
    onFatal: (err) => {
      throw err;
    },
    followsMembership: false,
    onSynced: () => undefined,
  } satisfies EffectRunnerParts;
  const runner = new EffectRunner(parts);
  /** Hands the core's next effects to the runner and lets it carry them out. */
  const emit = async (...next: Effect<TxnPayload>[]) => {
    effects.push(...next);
    runner.schedulePump();
    await new Promise((resolve) => setImmediate(resolve));
  };
  /** The oldest append in flight is durable. */
  const durable = async () => {
    inFlight.shift()!();
    await new Promise((resolve) => setImmediate(resolve));
  };
  return { steps, persisted, emit, durable };
}

const propose = (zxid: bigint): Effect<TxnPayload>[] => {
  const entries = [entry(zxid)];
  return [
    { kind: 'append', entries },
    { kind: 'send', to: 1, msg: { type: 'PROPOSAL', link: 1, entries } },
    { kind: 'send', to: 2, msg: { type: 'PROPOSAL', link: 1, entries } },
  ];
};

describe('EffectRunner: a leader\'s held append', () => {
  it('with no write in flight, flushes the PROPOSALs and starts its write in the same turn', async () => {
    const r = scriptedRunner();
    await r.emit({ kind: 'role', state: 'LEADING', leader: 3, epoch: 1n }, ...propose(1n));
    expect(r.steps).toEqual(['PROPOSAL 1 to 1', 'PROPOSAL 1 to 2', 'flush', 'write 1']);
  });

  it('with a write in flight (log busy), queues the txns behind it and leaves the PROPOSALs corked', async () => {
    const r = scriptedRunner();
    await r.emit({ kind: 'role', state: 'LEADING', leader: 3, epoch: 1n }, ...propose(1n));
    r.steps.length = 0;
    await r.emit(...propose(2n), ...propose(3n));
    // No flush: the PROPOSALs leave with the turn's other messages; no write: 1's is in flight.
    expect(r.steps).toEqual(['PROPOSAL 2 to 1', 'PROPOSAL 2 to 2', 'PROPOSAL 3 to 1', 'PROPOSAL 3 to 2']);
    await r.durable();
    // Once 1 is durable, what queued behind it goes out in one write.
    expect(r.persisted).toEqual([1n]);
    expect(r.steps.slice(4)).toEqual(['write 2,3']);
    await r.durable();
    expect(r.persisted).toEqual([1n, 3n]);
  });
});

describe('EffectRunner: a follower\'s durable batch', () => {
  it('sends its ACK before the next batch is handed to the log', async () => {
    const r = scriptedRunner((zxid) => [{ kind: 'send', to: 3, msg: { type: 'ACK', link: 1, zxid, newLeader: false } }]);
    await r.emit({ kind: 'role', state: 'FOLLOWING', leader: 3, epoch: 1n }, { kind: 'append', entries: [entry(1n)] });
    await r.emit({ kind: 'append', entries: [entry(2n)] });
    expect(r.steps).toEqual(['write 1']);
    await r.durable();
    // The ACK is flushed before batch 2 is encoded and handed over, not corked behind it.
    expect(r.steps).toEqual(['write 1', 'ACK 1 to 3', 'flush', 'write 2']);
  });
});
