// One candidate process for the election test: joins the election and prints `leader` or
// `notLeader` on each change, then lives until it is killed.
import { createClient, LeaderElection } from '@zab/client';

const [hosts, id] = process.argv.slice(2);
const zk = createClient(hosts, { sessionTimeoutMs: 4_000 });
await zk.connected();
const election = new LeaderElection(zk, '/recipes/election-procs', id);
election.on('leader', () => process.stdout.write('leader\n'));
election.on('notLeader', () => process.stdout.write('notLeader\n'));
await election.start();
process.stdout.write('started\n');
setInterval(() => undefined, 60_000); // stay alive until killed
