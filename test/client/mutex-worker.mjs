// One contender process for the mutex test: takes the lock `rounds` times and, while holding
// it, appends "enter <id>" and "exit <id>" to a shared log with server round trips between.
import { appendFileSync } from 'node:fs';
import { createClient, Mutex } from '@zab/client';

const [hosts, logFile, id, rounds] = process.argv.slice(2);
const zk = createClient(hosts, { sessionTimeoutMs: 10_000 });
await zk.connected();
const mutex = new Mutex(zk, '/recipes/mutex');
for (let i = 0; i < Number(rounds); i++) {
  await mutex.acquire();
  appendFileSync(logFile, `enter ${id}\n`);
  for (let k = 0; k < 3; k++) await zk.exists('/recipes'); // hold it across a few round trips
  appendFileSync(logFile, `exit ${id}\n`);
  await mutex.release();
}
await zk.close();
