// Drives one differential run: the same op stream against a reference server and a target,
// one op at a time (reply, then a ping round on every session so notifications have settled),
// comparing normalised replies and notifications after every op, then the final tree.
import { isDeepStrictEqual } from 'node:util';
import { type ChildOrder, Normalizer, type Outcome, SessionSet } from './sessions.js';
import { type Op, Workload } from './workload.js';
import { SUPER_PASSWORD } from '../support/launch.js';

export interface DiffOptions {
  refPort: number;
  targetPort: number;
  targetLabel: string;
  seed: number;
  ops: number;
  childOrder: ChildOrder;
  /** Stop after this many mismatching ops (the first usually explains the rest). */
  maxMismatches: number;
}

export interface Mismatch {
  index: number;
  op: Op | { kind: 'finalTree'; path: string };
  ref: unknown;
  target: unknown;
}

export interface DiffResult {
  opsRun: number;
  mismatches: Mismatch[];
  history: { index: number; op: Op; refErr: number }[];
  /** Count of ops per kind and error code on the reference, to show what was covered. */
  coverage: Map<string, number>;
  notificationCount: number;
  elapsedMs: number;
}

type Side = { set: SessionSet; norm: Normalizer };

function normalise(side: Side, op: Op, o: Outcome, notes: ReturnType<SessionSet['notificationsSince']>): Record<string, unknown> {
  const out: Record<string, unknown> = { reply: side.norm.reply(o.reply) };
  if (o.reopened) out['reopened'] = o.reopened;
  out['notifications'] = notes.map((list) => {
    const n = list.map((e) => side.norm.notification(e));
    // closeSession deletes the session's ephemerals in ZooKeeper's HashSet order, which is
    // no contract: compare those events as a set.
    return op.kind === 'closeSession' ? n.map((e) => JSON.stringify(e)).sort() : n;
  });
  return out;
}

async function step(side: Side, op: Op): Promise<{ outcome: Outcome; normal: Record<string, unknown> }> {
  const mark = side.set.mark();
  const outcome = await side.set.run(op);
  await side.set.settle();
  return { outcome, normal: normalise(side, op, outcome, side.set.notificationsSince(mark)) };
}

export async function runDifferential(o: DiffOptions): Promise<DiffResult> {
  const started = Date.now();
  const ref: Side = { set: new SessionSet(o.refPort, 'zookeeper'), norm: undefined as unknown as Normalizer };
  const tgt: Side = { set: new SessionSet(o.targetPort, o.targetLabel), norm: undefined as unknown as Normalizer };
  ref.norm = new Normalizer(ref.set, o.childOrder);
  tgt.norm = new Normalizer(tgt.set, o.childOrder);
  await Promise.all([ref.set.open(), tgt.set.open()]);

  const workload = new Workload(o.seed);
  const mismatches: Mismatch[] = [];
  const history: DiffResult['history'] = [];
  const coverage = new Map<string, number>();
  const preamble = workload.preamble();
  const total = preamble.length + o.ops;
  let index = 0;
  let notificationCount = 0;
  try {
    for (; index < total && mismatches.length < o.maxMismatches; index++) {
      const op = index < preamble.length ? preamble[index]! : workload.next();
      const [r, t] = await Promise.all([step(ref, op), step(tgt, op)]);
      workload.observe(op, r.outcome.reply);
      notificationCount += (r.normal['notifications'] as unknown[][]).reduce((n, l) => n + l.length, 0);
      history.push({ index, op, refErr: r.outcome.reply.err });
      const key = coverageKey(op, r.outcome);
      coverage.set(key, (coverage.get(key) ?? 0) + 1);
      if (!isDeepStrictEqual(r.normal, t.normal)) mismatches.push({ index, op, ref: r.normal, target: t.normal });
      const pe = [...ref.set.protocolErrors().map((e) => `zookeeper ${e}`), ...tgt.set.protocolErrors().map((e) => `${o.targetLabel} ${e}`)];
      if (pe.length > 0) {
        mismatches.push({ index, op, ref: { protocolErrors: ref.set.protocolErrors() }, target: { protocolErrors: tgt.set.protocolErrors() } });
        break;
      }
    }
    if (mismatches.length === 0) mismatches.push(...(await compareFinalTrees(ref, tgt, index)));
  } finally {
    await Promise.all([ref.set.closeAll(), tgt.set.closeAll()]);
  }
  return { opsRun: index, mismatches, history, coverage, notificationCount, elapsedMs: Date.now() - started };
}

/** What an op exercised on the reference: kind, create opcode, error code, and for multi the first failing result. */
function coverageKey(op: Op, o: Outcome): string {
  let key = `${op.kind}${op.kind === 'create' ? `/${op.opcode}` : ''} err=${o.reply.err}`;
  if ((op.kind === 'multi' || op.kind === 'multiRead') && Array.isArray(o.reply.body)) {
    const failed = (o.reply.body as { err: number }[]).find((x) => x.err !== 0);
    key += failed ? ` first result error ${failed.err}` : ' all results ok';
  }
  return key;
}

/** Walks /d (and /) as the super user on both servers and compares every node. */
async function compareFinalTrees(ref: Side, tgt: Side, index: number): Promise<Mismatch[]> {
  const walk = async (side: Side): Promise<Map<string, unknown>> => {
    const c = await side.set.connect();
    try {
      await c.auth('digest', Buffer.from(`super:${SUPER_PASSWORD}`));
      const out = new Map<string, unknown>();
      const queue = ['/', '/d'];
      while (queue.length > 0) {
        const p = queue.shift()!;
        const [data, acl, kids] = [await c.getData(p), await c.getACL(p), await c.getChildren(p)];
        out.set(p, { data: side.norm.reply(data), acl: side.norm.reply(acl), children: side.norm.reply(kids) });
        if (p !== '/' && kids.err === 0) for (const k of [...kids.body!.children].sort()) queue.push(`${p}/${k}`);
      }
      return out;
    } finally {
      await c.close(2_000);
    }
  };
  const [a, b] = await Promise.all([walk(ref), walk(tgt)]);
  const out: Mismatch[] = [];
  for (const p of new Set([...a.keys(), ...b.keys()])) {
    if (!isDeepStrictEqual(a.get(p), b.get(p))) out.push({ index, op: { kind: 'finalTree', path: p }, ref: a.get(p), target: b.get(p) });
    if (out.length >= 5) break;
  }
  return out;
}

/** A readable failure report: the seed, the op, both sides, and the ops leading up to it. */
export function formatMismatch(seed: number, m: Mismatch, r: DiffResult, targetLabel: string): string {
  const json = (v: unknown): string => JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? `${x}n` : x), 1).replace(/\n\s*/g, ' ');
  const historyOps = Number(process.env['ZAB_DIFF_HISTORY'] ?? 12);
  const recent = r.history
    .filter((h) => h.index < m.index && h.index >= m.index - historyOps)
    .map((h) => `  #${h.index} ${json(h.op)} -> err ${h.refErr}`)
    .join('\n');
  return [
    `differential mismatch at op #${m.index} (seed ${seed}; rerun with ZAB_DIFF_SEED=${seed})`,
    `op:                  ${json(m.op)}`,
    `reference zookeeper: ${json(m.ref)}`,
    `target ${targetLabel}:${' '.repeat(Math.max(1, 13 - targetLabel.length))}${json(m.target)}`,
    `preceding ops (reference error codes):`,
    recent,
  ].join('\n');
}
