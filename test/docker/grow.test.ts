// Growing and shrinking the compose ensemble as the README tells an operator to: docker/compose-3.yml
// up, docker/compose-grow.yml's zab4 and zab5 started beside it (each joins through reconfig),
// then `zab-leave` in each and the two containers removed. A writer runs throughout; every
// acknowledged write must be there at the end, and the first three containers must never have
// been restarted.
import { createClient } from '@zab/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ComposeProject, buildImage, mode, run, CONTAINER_WAIT } from '../support/docker.js';
import { freePort } from '../support/launch.js';
import { waitFor } from '../support/wait.js';
import { configAt, waitForVoters } from '../reconfig/configs.js';
import { Writers, expectAcked } from '../support/writers.js';

const PASSWORD = 'grow-secret';
let project: ComposeProject;
const hostsOf = (ids: number[]) => ids.map((n) => `127.0.0.1:${project.clientPorts[n - 1]}`).join(',');

const configOn = (n: number) => configAt(hostsOf([n]));

/** Waits until every member listed serves a configuration whose voters are `ids`. */
function everyoneHasVoters(members: number[], ids: number[]): Promise<string> {
  const sources = members.map((n) => ({ name: `zab${n}`, connectString: hostsOf([n]) }));
  return waitForVoters(sources, ids, { ...CONTAINER_WAIT, deadlineMs: 180_000, explain: () => project.logs() });
}

/** When each container of zab1..zab3 last started, and how often Docker restarted it. */
async function starts(): Promise<string[]> {
  const out: string[] = [];
  for (const n of [1, 2, 3]) out.push((await run('docker', ['inspect', '-f', '{{.State.StartedAt}} {{.RestartCount}}', await project.container(n)])).stdout.trim());
  return out;
}

beforeAll(async () => {
  await buildImage();
  const ports: number[] = [];
  for (let i = 0; i < 5; i++) ports.push(await freePort());
  project = new ComposeProject(['docker/compose-3.yml', 'docker/compose-grow.yml'], `zabgrow-${process.pid}`, ports, { ZAB_SUPER_PASSWORD: PASSWORD });
  await project.compose('up', '-d', 'zab1', 'zab2', 'zab3');
  await project.waitServing([1, 2, 3]).catch(async (e) => {
    throw new Error(`${e.message}\n${await project.logs()}`);
  });
}, 600_000);

afterAll(async () => {
  await project?.compose('down', '-v', '--timeout', '10').catch(() => undefined);
}, 120_000);

describe('docker/compose-3.yml grown with docker/compose-grow.yml', () => {
  it('goes 3 -> 5 -> 3 members with a writer running, without restarting the first three', async () => {
    const before = await starts();
    const zk = createClient(hostsOf([1, 2, 3]), { sessionTimeoutMs: 15_000 });
    await zk.connected();
    const writer = await Writers.start(zk, '/w', ['compose']);

    await project.compose('up', '-d', 'zab4', 'zab5');
    const five = await everyoneHasVoters([1, 2, 3, 4, 5], [1, 2, 3, 4, 5]);
    expect(five).toContain('server.4=zab4:2888:3888:participant;0.0.0.0:2181');
    for (const n of [4, 5]) expect(await waitFor(`zab${n} follows`, async () => ((await mode(project.clientPorts[n - 1])) === 'follower' ? true : undefined), CONTAINER_WAIT)).toBe(true);
    await writer.madeProgress('with five members');

    // A joined member restarted comes back from the configuration it committed, and does not reconfigure again.
    const version = /version=(\w+)/.exec(five)![1];
    await project.compose('restart', '--timeout', '10', 'zab4');
    await waitFor('zab4 follows again', async () => ((await mode(project.clientPorts[3])) === 'follower' ? true : undefined), CONTAINER_WAIT);
    expect(/version=(\w+)/.exec(await configOn(4))![1]).toBe(version);
    expect((await project.compose('logs', '--no-color', 'zab4')).stdout).toContain('starting from the configuration this member last committed');

    for (const n of [5, 4]) {
      const left = await project.compose('exec', '-T', `zab${n}`, 'zab-leave');
      expect(left.stdout).toContain(`server.${n} has left the ensemble`);
    }
    // Leaving twice is harmless: the member is no longer listed.
    expect((await project.compose('exec', '-T', 'zab4', 'zab-leave')).stdout).toContain('is not in the ensemble');
    await everyoneHasVoters([1, 2, 3], [1, 2, 3]);
    await project.compose('rm', '-s', '-f', 'zab4', 'zab5');
    await writer.madeProgress('with the three again');

    const { writes, longestGapMs } = await writer.stop();
    await zk.close();
    console.log(`[docker compose] 3 -> 5 -> 3: ${writes} acknowledged writes, longest gap ${longestGapMs} ms`);
    await expectAcked([hostsOf([1, 2, 3])], '/w', writer.acked);
    expect(await starts()).toEqual(before);
    expect(before.every((s) => s.endsWith(' 0'))).toBe(true);
  }, 900_000);
});
