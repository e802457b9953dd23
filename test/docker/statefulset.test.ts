// The Kubernetes StatefulSet's pods, played by Docker containers: the pod template of
// deploy/kubernetes/zab.yaml (its ConfigMap, env, user, probes) run three times with the
// hostnames and DNS names a StatefulSet gives its pods. The entrypoint must derive each myid
// from the ordinal and the server list from the headless service, and the ensemble must form;
// then `kubectl scale` is played: pods zab-3 and zab-4 start and join through reconfig, leave
// with zab-leave and are removed, with a writer running and the first three never restarted.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, TEST_IMAGE, buildImage, mode, run, CONTAINER_WAIT } from '../support/docker.js';
import { waitFor } from '../support/wait.js';
import { freePort } from '../support/launch.js';
import { call, childrenOf, connectNzc } from '../support/nzc.js';
import { createClient } from '@zab/client';
import { configAt, waitForVoters } from '../reconfig/configs.js';
import { Writers, expectAcked } from '../support/writers.js';

const docs = parseAllDocuments(readFileSync(path.join(ROOT, 'deploy/kubernetes/zab.yaml'), 'utf8')).map((d) => d.toJS());
const configMap = docs.find((d) => d.kind === 'ConfigMap');
const statefulSet = docs.find((d) => d.kind === 'StatefulSet');
const pod = statefulSet.spec.template.spec;
const container = pod.containers[0];
const replicas: number = statefulSet.spec.replicas;
if (replicas !== 3) throw new Error(`the scaling test plays 3 -> 5 -> 3; the manifest has ${replicas} replicas`);
const namespace = 'default';
const tag = `zabk8s-${process.pid}`;
/** Pods 0..replicas-1, then the two `kubectl scale statefulset zab --replicas=5` adds. */
const names = Array.from({ length: replicas + 2 }, (_, i) => `${statefulSet.metadata.name}-${i}`);
const clientPorts: number[] = [];
const adminPorts: number[] = [];
/** The secret the manifest's ZAB_SUPER_PASSWORD comes from, as `kubectl create secret` would hold it. */
const SECRET = { name: 'zab-super', key: 'password', value: 'k8s-secret' };

/** The container's environment as the kubelet would give it. */
function podEnv(): string[] {
  const env: Record<string, string> = { ...configMap.data };
  for (const e of container.env) {
    const secret = e.valueFrom?.secretKeyRef;
    if (e.value !== undefined) env[e.name] = e.value;
    else if (e.valueFrom?.fieldRef?.fieldPath === 'metadata.namespace') env[e.name] = namespace;
    else if (secret?.name === SECRET.name && secret.key === SECRET.key) env[e.name] = SECRET.value;
    else throw new Error(`env ${e.name}: a source this test does not play`);
  }
  return Object.entries(env).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
}

/** Starts pod `i` as the StatefulSet would: its hostname, its DNS name behind the headless service, the pod's user. */
async function startPod(i: number): Promise<void> {
  clientPorts[i] = await freePort();
  adminPorts[i] = await freePort();
  const dns = `${names[i]}.${statefulSet.spec.serviceName}.${namespace}.svc.cluster.local`;
  await run('docker', [
    'run', '-d', '--name', `${tag}-${i}`, '--hostname', names[i], '--network', tag, '--network-alias', dns,
    '--user', `${pod.securityContext.runAsUser}:${pod.securityContext.runAsGroup}`,
    '-p', `127.0.0.1:${clientPorts[i]}:2181`, '-p', `127.0.0.1:${adminPorts[i]}:8080`,
    ...podEnv(), TEST_IMAGE,
  ]);
}

const hostsOf = (pods: number[]) => pods.map((i) => `127.0.0.1:${clientPorts[i]}`).join(',');

async function podLogs(pods: number[]): Promise<string> {
  const logs = await Promise.all(pods.map(async (i) => `--- ${names[i]} ---\n${(await run('docker', ['logs', '--tail', '15', `${tag}-${i}`], { allowFail: true })).stderr}`));
  return logs.join('\n');
}

beforeAll(async () => {
  await buildImage();
  await run('docker', ['network', 'create', tag]);
  for (let i = 0; i < replicas; i++) await startPod(i);
}, 600_000);

afterAll(async () => {
  for (let i = 0; i < names.length; i++) await run('docker', ['rm', '-f', '-v', `${tag}-${i}`], { allowFail: true });
  await run('docker', ['network', 'rm', tag], { allowFail: true });
}, 120_000);

describe('the StatefulSet pod template', () => {
  it('forms an ensemble from pod ordinals and the headless service names, and passes its probes', async () => {
    const modes = await waitFor('one leader among the pods', async () => {
      const m = await Promise.all(clientPorts.map((p) => mode(p)));
      return m.every(Boolean) && m.filter((x) => x === 'leader').length === 1 ? m : undefined;
    }, CONTAINER_WAIT).catch(async (e) => {
      throw new Error(`${e.message}\n${await podLogs([0, 1, 2])}`);
    });
    expect(modes.filter((m) => m === 'follower')).toHaveLength(replicas - 1);

    for (let i = 0; i < replicas; i++) {
      // myid from the ordinal: zab-0 is 1.
      const myid = await run('docker', ['exec', `${tag}-${i}`, 'cat', '/data/myid']);
      expect(myid.stdout.trim()).toBe(String(i + 1));
      // readinessProbe: GET the admin server's path; livenessProbe: the exec command.
      const probe = container.readinessProbe.httpGet;
      expect(probe.port).toBe('admin');
      const res = await fetch(`http://127.0.0.1:${adminPorts[i]}${probe.path}`);
      expect(res.status).toBe(200);
      expect((await run('docker', ['exec', `${tag}-${i}`, ...container.livenessProbe.exec.command], { allowFail: true })).code).toBe(0);
    }
    // ZAB_JOIN keeps the configuration in the data volume; the membership is served as ZooKeeper shows it.
    const conf = (await run('docker', ['exec', `${tag}-0`, 'cat', '/data/conf/zoo.cfg'])).stdout;
    expect(conf).toContain('quorumListenOnAllIPs=true');
    expect(await configAt(hostsOf([0]))).toContain(`server.3=zab-2.zab-headless.${namespace}.svc.cluster.local:2888:3888:participant;0.0.0.0:2181`);

    const hosts = clientPorts.map((p) => `127.0.0.1:${p}`).join(',');
    const c = await connectNzc(hosts);
    await call((cb) => c.create('/k8s', Buffer.from('hello'), cb));
    c.close();
    for (const p of clientPorts) {
      const r = await connectNzc(`127.0.0.1:${p}`);
      await waitFor(`/k8s on port ${p}`, async () => (await childrenOf(r, '/')).includes('k8s'), CONTAINER_WAIT);
      r.close();
    }
  }, 300_000);
});

describe('kubectl scale statefulset zab --replicas=5, then back to 3', () => {
  it('pods zab-3 and zab-4 join through reconfig and leave with zab-leave; zab-0..2 never restart', async () => {
    const startsOf = async () => Promise.all([0, 1, 2].map(async (i) => (await run('docker', ['inspect', '-f', '{{.State.StartedAt}} {{.RestartCount}}', `${tag}-${i}`])).stdout.trim()));
    const before = await startsOf();
    const zk = createClient(hostsOf([0, 1, 2]), { sessionTimeoutMs: 15_000 });
    await zk.connected();
    const writer = await Writers.start(zk, '/w', ['k8s']);
    const everyoneHasVoters = (pods: number[], ids: number[]) =>
      waitForVoters(pods.map((i) => ({ name: names[i]!, connectString: hostsOf([i]) })), ids, { ...CONTAINER_WAIT, deadlineMs: 180_000, explain: () => podLogs([0, 1, 2, 3, 4]) });

    await startPod(3);
    await startPod(4);
    await everyoneHasVoters([0, 1, 2, 3, 4], [1, 2, 3, 4, 5]);
    expect(await configAt(hostsOf([4]))).toContain(`server.5=zab-4.zab-headless.${namespace}.svc.cluster.local:2888:3888:participant;0.0.0.0:2181`);
    await writer.madeProgress('with five pods');

    for (const i of [4, 3]) expect((await run('docker', ['exec', `${tag}-${i}`, 'zab-leave'])).stdout).toContain(`server.${i + 1} has left the ensemble`);
    await everyoneHasVoters([0, 1, 2], [1, 2, 3]);
    for (const i of [4, 3]) await run('docker', ['rm', '-f', '-v', `${tag}-${i}`]);
    await writer.madeProgress('with three pods again');

    const { writes, longestGapMs } = await writer.stop();
    await zk.close();
    console.log(`[statefulset] 3 -> 5 -> 3: ${writes} acknowledged writes, longest gap ${longestGapMs} ms`);
    await expectAcked([hostsOf([0, 1, 2])], '/w', writer.acked);
    expect(await startsOf()).toEqual(before);
  }, 900_000);
});
