// A worker thread of the generator: drives its share of the run's sessions (worker-agent.ts),
// answering the main thread's commands one at a time and reporting progress while each runs.
import { parentPort, workerData } from 'node:worker_threads';
import type { CommandMessage, WorkerInit, WorkerMessage } from './rpc.js';
import { WorkerAgent } from './worker-agent.js';

const PROGRESS_INTERVAL_MS = 250;

const port = parentPort!;
const post = (m: WorkerMessage) => port.postMessage(m);
const agent = new WorkerAgent(workerData as WorkerInit);

setInterval(() => post({ kind: 'progress', id: agent.commandId, done: agent.progress.done, errors: agent.progress.errors }), PROGRESS_INTERVAL_MS).unref();

port.on('message', (m: CommandMessage) => {
  agent.handle(m).then(
    (value) => post({ kind: 'reply', id: m.id, value }),
    (e: unknown) => post({ kind: 'reply', id: m.id, error: e instanceof Error ? (e.stack ?? e.message) : String(e) }),
  );
});
