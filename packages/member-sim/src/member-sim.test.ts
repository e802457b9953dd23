import { DRIVER_MUTATIONS } from '@zab/server';
import { describe, expect, it } from 'vitest';
// The built package (npm test builds first): its worker threads run dist/seed-worker.js.
import { DEFAULT_MEMBER_SIM, MemberSimulation, describeFailure, runSeeds, type MemberSimVerdict } from '@zab/member-sim';

// CI runs ZAB_MEMBER_SIM_SEEDS seeds (default 1000) on two worker threads;
// `npm run sim -- --member --seeds 10000 --jobs 2` runs more.
const SEEDS = Number(process.env['ZAB_MEMBER_SIM_SEEDS'] ?? 1000);
const JOBS = 2;

describe('whole members under the seeded simulator', () => {
  it(`no anomaly in ${SEEDS} seeds of crashes, partitions, lost messages and cut-off clients`, async () => {
    const failures: string[] = [];
    let ops = 0;
    let writesAcked = 0;
    await runSeeds(1, SEEDS, JOBS, [], (v: MemberSimVerdict) => {
      ops += v.ops.total;
      writesAcked += v.ops.ok;
      if (!v.passed) failures.push(describeFailure(v));
    }, () => failures.length >= 5);
    expect(failures).toEqual([]);
    // The runs did real work under their faults.
    expect(ops).toBeGreaterThan(SEEDS * 100);
    expect(writesAcked).toBeGreaterThan(SEEDS * 50);
  }, 1_800_000);

  it('replays a seed exactly', async () => {
    const options = { ...DEFAULT_MEMBER_SIM, seed: 3 };
    const a = await new MemberSimulation(options).run();
    const b = await new MemberSimulation(options).run();
    const view = (r: typeof a) => JSON.stringify({ h: r.history, d: [...r.digests], f: r.faults, end: r.endMs, v: [...r.finalVersions] }, (_k, x) => (typeof x === 'bigint' ? String(x) : x instanceof Map ? [...x] : x));
    expect(view(b)).toEqual(view(a));
    expect(a.history.ops.length).toBeGreaterThan(50);
  }, 120_000);

  // Each known driver bug, put back, must be found by some seed: the simulation can fail.
  it.each(DRIVER_MUTATIONS)('finds the %s bug when it is put back', async (mutation) => {
    let found: MemberSimVerdict | null = null;
    await runSeeds(1, 60, JOBS, [mutation], (v) => {
      if (!v.passed && (!found || v.seed < found.seed)) found = v;
    }, () => found !== null);
    expect(found, `no seed of 60 found ${mutation}`).not.toBeNull();
  }, 600_000);
});
