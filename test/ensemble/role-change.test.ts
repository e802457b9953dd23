// Clients keep connecting to every member while the leadership changes hands: a member
// must not serve a client under a role it has not finished taking up (a new leader once
// prepared a session with the previous epoch's zxids, between the core establishing it and
// the driver moving the server to the new epoch, and crashed).
import { afterAll, expect, it } from 'vitest';
import { startEnsemble, type Ensemble } from '../support/ensemble.js';
import { RawClient } from '../support/raw-client.js';

let ens: Ensemble | undefined;

afterAll(async () => {
  await ens?.stop();
});

it('no member fails while sessions are opened through every member across leader changes', async () => {
  ens = await startEnsemble('zab', { voters: 3 });
  const e = ens;
  await e.waitServing();
  let stop = false;
  let sessions = 0;
  const storm = e.members.map(async (m) => {
    while (!stop) {
      try {
        const c = await RawClient.connect({ port: m.clientPort, connectTimeoutMs: 2_000 });
        sessions++;
        await c.close();
      } catch {
        // Refused while the member is not serving, or down: try again.
        await new Promise((r) => setTimeout(r, 2)); // pace the retries
      }
    }
  });
  try {
    for (let round = 0; round < 4; round++) {
      const leader = await e.waitServing(3);
      const before = sessions;
      await leader.kill('SIGKILL');
      await e.waitServing(2);
      await leader.start();
      await e.waitServing(3);
      for (const m of e.members) {
        if (!m.running) throw new Error(`member ${m.id} stopped in round ${round}:\n${await m.logTail(30)}`);
      }
      expect(sessions).toBeGreaterThan(before);
    }
  } finally {
    stop = true;
    await Promise.all(storm);
  }
}, 240_000);
