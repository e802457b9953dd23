// One consumer process for the queue test: takes items until the queue is empty, printing
// each on its own line, in the order taken.
import { createClient, DistributedQueue } from '@zab/client';

const [hosts, queuePath] = process.argv.slice(2);
const zk = createClient(hosts, { sessionTimeoutMs: 10_000 });
await zk.connected();
const queue = new DistributedQueue(zk, queuePath);
for (let item = await queue.poll(); item; item = await queue.poll()) process.stdout.write(`${item.toString()}\n`);
await zk.close();
