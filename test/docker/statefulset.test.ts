// The Kubernetes StatefulSet's pods, played by Docker containers: the pod template of
// deploy/kubernetes/zab.yaml (its ConfigMap, env, user, probes) run three times with the
// hostnames and DNS names a StatefulSet gives its pods. The entrypoint must derive each myid
// from the ordinal and the server list from the headless service, and the ensemble must form.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, TEST_IMAGE, buildImage, mode, run, CONTAINER_WAIT } from '../support/docker.js';
import { waitFor } from '../support/wait.js';
import { freePort } from '../support/launch.js';
import { call, childrenOf, connectNzc } from '../support/nzc.js';

const docs = parseAllDocuments(readFileSync(path.join(ROOT, 'deploy/kubernetes/zab.yaml'), 'utf8')).map((d) => d.toJS());
const configMap = docs.find((d) => d.kind === 'ConfigMap');
const statefulSet = docs.find((d) => d.kind === 'StatefulSet');
const pod = statefulSet.spec.template.spec;
const container = pod.containers[0];
const replicas: number = statefulSet.spec.replicas;
const namespace = 'default';
const tag = `zabk8s-${process.pid}`;
const names = Array.from({ length: replicas }, (_, i) => `${statefulSet.metadata.name}-${i}`);
const clientPorts: number[] = [];
const adminPorts: number[] = [];

/** The container's environment as the kubelet would give it. */
function podEnv(): string[] {
  const env: Record<string, string> = { ...configMap.data };
  for (const e of container.env) {
    if (e.value !== undefined) env[e.name] = e.value;
    else if (e.valueFrom?.fieldRef?.fieldPath === 'metadata.namespace') env[e.name] = namespace;
    else throw new Error(`env ${e.name}: a source this test does not play`);
  }
  return Object.entries(env).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
}

beforeAll(async () => {
  await buildImage();
  await run('docker', ['network', 'create', tag]);
  for (let i = 0; i < replicas; i++) {
    clientPorts.push(await freePort());
    adminPorts.push(await freePort());
    const dns = `${names[i]}.${statefulSet.spec.serviceName}.${namespace}.svc.cluster.local`;
    await run('docker', [
      'run', '-d', '--name', `${tag}-${i}`, '--hostname', names[i], '--network', tag, '--network-alias', dns,
      '--user', `${pod.securityContext.runAsUser}:${pod.securityContext.runAsGroup}`,
      '-p', `127.0.0.1:${clientPorts[i]}:2181`, '-p', `127.0.0.1:${adminPorts[i]}:8080`,
      ...podEnv(), TEST_IMAGE,
    ]);
  }
}, 600_000);

afterAll(async () => {
  for (let i = 0; i < replicas; i++) await run('docker', ['rm', '-f', '-v', `${tag}-${i}`], { allowFail: true });
  await run('docker', ['network', 'rm', tag], { allowFail: true });
}, 120_000);

describe('the StatefulSet pod template', () => {
  it('forms an ensemble from pod ordinals and the headless service names, and passes its probes', async () => {
    const modes = await waitFor('one leader among the pods', async () => {
      const m = await Promise.all(clientPorts.map((p) => mode(p)));
      return m.every(Boolean) && m.filter((x) => x === 'leader').length === 1 ? m : undefined;
    }, CONTAINER_WAIT).catch(async (e) => {
      const logs = await Promise.all(names.map(async (_, i) => (await run('docker', ['logs', '--tail', '15', `${tag}-${i}`], { allowFail: true })).stderr));
      throw new Error(`${e.message}\n${logs.join('\n')}`);
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
    const conf = (await run('docker', ['exec', `${tag}-0`, 'cat', '/conf/zoo.cfg'])).stdout;
    expect(conf).toContain(`server.3=zab-2.zab-headless.${namespace}.svc.cluster.local:2888:3888;2181`);
    expect(conf).toContain('quorumListenOnAllIPs=true');

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
