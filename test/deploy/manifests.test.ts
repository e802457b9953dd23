import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';

const docs = parseAllDocuments(readFileSync(new URL('../../deploy/kubernetes/zab.yaml', import.meta.url), 'utf8')).map((d) => d.toJS());
const byKind = (kind: string) => docs.filter((d) => d.kind === kind);

describe('Kubernetes manifests', () => {
  const set = byKind('StatefulSet')[0];
  const container = set.spec.template.spec.containers[0];

  it('run 3 members in parallel behind a headless service that publishes not-ready pods', () => {
    expect(set.spec.replicas).toBe(3);
    expect(set.spec.podManagementPolicy).toBe('Parallel');
    const headless = byKind('Service').find((s) => s.metadata.name === set.spec.serviceName);
    expect(headless.spec.clusterIP).toBe('None');
    expect(headless.spec.publishNotReadyAddresses).toBe(true);
    expect(byKind('Service').some((s) => s.spec.clusterIP !== 'None' && s.spec.ports.some((p: any) => p.port === 2181))).toBe(true);
  });

  it('name every port, probe the server and claim volumes', () => {
    for (const p of container.ports) expect(p.name, JSON.stringify(p)).toBeTruthy();
    for (const s of byKind('Service')) for (const p of s.spec.ports) expect(p.name, JSON.stringify(p)).toBeTruthy();
    expect(container.ports.map((p: any) => p.containerPort).sort()).toEqual([2181, 2888, 3888, 7000, 8080]);
    expect(container.readinessProbe).toBeTruthy();
    expect(container.livenessProbe).toBeTruthy();
    const claims = set.spec.volumeClaimTemplates.map((c: any) => c.metadata.name);
    for (const m of container.volumeMounts) expect(claims).toContain(m.name);
  });

  it('keep a majority up through disruptions and spread pods over nodes', () => {
    expect(byKind('PodDisruptionBudget')[0].spec.maxUnavailable).toBe(1);
    expect(set.spec.template.spec.affinity.podAntiAffinity).toBeTruthy();
    expect(byKind('ConfigMap')).toHaveLength(1);
    expect(container.env.find((e: any) => e.name === 'ZAB_K8S_SERVICE').value).toBe(set.spec.serviceName);
  });

  it('let pods beyond the founding members join through reconfig, with the super password from a secret', () => {
    const env = (name: string) => container.env.find((e: any) => e.name === name);
    expect(env('ZAB_JOIN').value).toBe('true');
    expect(env('ZAB_K8S_REPLICAS').value).toBe(String(set.spec.replicas));
    expect(env('ZAB_SUPER_PASSWORD').valueFrom.secretKeyRef).toEqual({ name: 'zab-super', key: 'password', optional: true });
  });
});
