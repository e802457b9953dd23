// Bad input at scale, at CI size: 50,000 seeded fuzz frames each on the client, quorum and
// election ports of a real 3-member zab ensemble while good clients write and read through
// every member. Afterwards no member may have crashed, restarted, logged an error or held an
// election, no connection may have hung or got a malformed answer, every acknowledged write
// must be on every member and the trees identical. The report (frames, good clients' p99,
// each member's RSS before and after) is printed.
//
//   ZAB_FUZZ_SEED=<n>     another seed (default 1; a failure prints its seed and a replay file)
//   ZAB_FUZZ_FRAMES=<n>   frames per port (default 50,000); `npm run fuzz` runs full size
import { createHash } from 'node:crypto';
import { OpCode, opRecords, type OpCodeName } from '@zab/jute';
import { describe, expect, it } from 'vitest';
import { REQUESTS } from './client-requests.js';
import { clientScript } from './client-scripts.js';
import { runFuzz } from './fuzz-run.js';
import { peerScript } from './peer-scripts.js';
import { formatReport } from './report.js';
import type { Script } from './script.js';

const seed = Number(process.env['ZAB_FUZZ_SEED'] ?? 1);
const frames = Number(process.env['ZAB_FUZZ_FRAMES'] ?? 50_000);

describe('fuzz', () => {
  it('has a request body for every opcode a client may send (jute\'s opcode table)', () => {
    const requestOps = (Object.keys(OpCode) as OpCodeName[]).filter((n) => opRecords(OpCode[n])?.use === 'request');
    expect(requestOps.filter((n) => !REQUESTS[OpCode[n]])).toEqual([]);
  });

  it('makes the same connections from the same seed', () => {
    const topo = { voters: [1, 2, 3], phantom: 4 };
    const digest = (x: Script) => {
      const h = createHash('sha1').update(`${x.kind} ${x.member} ${x.frames}`);
      for (const st of x.steps) h.update('send' in st ? st.send : st.awaitType);
      return h.digest('hex');
    };
    const all = (s: number, i: number) => [clientScript(s, i, 3, i % 7 === 0), peerScript(s, 'quorum', i, topo, false), peerScript(s, 'election', i, topo, i % 5 === 0)].map(digest);
    for (let i = 0; i < 100; i++) expect(all(seed, i)).toEqual(all(seed, i));
    expect(all(seed, 0)).not.toEqual(all(seed + 1, 0));
  });

  it(`${frames} frames on each of the client, quorum and election ports of a 3-member ensemble (seed ${seed})`, { timeout: 900_000 }, async () => {
    const report = await runFuzz({ seed, frames, ports: ['client', 'quorum', 'election'], target: 'zab', log: (l) => console.log(l) });
    console.log(formatReport(report));
    expect(report.failures).toEqual([]);
    for (const c of report.campaigns) expect(c.framesWritten, c.port).toBeGreaterThanOrEqual(frames);
  });
});
