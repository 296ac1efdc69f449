import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { KubeObject } from '../../src/objects.js';
import { assessHealth, compareHealth, worstOf, type HealthStatus } from '../../src/health/index.js';

const fixture = (name: string) => parse(readFileSync(new URL(`./fixtures/${name}.yaml`, import.meta.url), 'utf8')) as KubeObject;
const capture = (file: string) => JSON.parse(readFileSync(new URL(`../fixtures/kube-apiserver-1.19/${file}`, import.meta.url), 'utf8')) as { stored: KubeObject; afterControllers: KubeObject };

describe('assessHealth, one line per fixture', () => {
  it.each<[string, HealthStatus]>([
    ['deployment-healthy', 'Healthy'],
    ['deployment-not-observed', 'Progressing'],
    ['deployment-rolling', 'Progressing'],
    ['deployment-old-replicas-terminating', 'Progressing'],
    ['deployment-progress-deadline-exceeded', 'Degraded'],
    ['deployment-paused', 'Healthy'],
    ['statefulset-healthy', 'Healthy'],
    ['statefulset-revision-rolling', 'Progressing'],
    ['statefulset-partitioned', 'Healthy'],
    ['statefulset-ondelete', 'Healthy'],
    ['daemonset-healthy', 'Healthy'],
    ['daemonset-updating', 'Progressing'],
    ['replicaset-unavailable', 'Progressing'],
    ['pod-crashloop', 'Degraded'],
    ['pod-image-pull-backoff', 'Degraded'],
    ['pod-running-ready', 'Healthy'],
    ['pod-succeeded', 'Healthy'],
    ['job-complete', 'Healthy'],
    ['job-failed', 'Degraded'],
    ['job-running', 'Progressing'],
    ['pvc-bound', 'Healthy'],
    ['pvc-pending', 'Progressing'],
    ['pvc-lost', 'Degraded'],
    ['service-clusterip', 'Healthy'],
    ['service-loadbalancer-pending', 'Progressing'],
    ['service-loadbalancer-ready', 'Healthy'],
    ['ingress-without-address', 'Healthy'],
    ['crd-established', 'Healthy'],
    ['crd-not-established', 'Progressing'],
    ['crd-names-conflict', 'Degraded'],
    ['apiservice-unavailable', 'Progressing'],
    ['namespace-active', 'Healthy'],
    ['namespace-terminating', 'Progressing'],
    ['hpa-failed-metrics', 'Degraded'],
    ['configmap-exists', 'Healthy'],
    ['custom-resource-ready', 'Healthy'],
    ['custom-resource-stalled', 'Degraded'],
    ['custom-resource-not-observed', 'Progressing'],
    ['custom-resource-ready-false-failed', 'Degraded'],
    ['custom-resource-no-status', 'Healthy'],
  ])('%s is %s', (name, status) => {
    const health = assessHealth(fixture(name));
    expect(health.status).toBe(status);
  });

  it('an absent object is Missing', () => {
    expect(assessHealth(undefined)).toEqual({ status: 'Missing', message: 'object does not exist' });
  });

  it('a rollout past its deadline says so', () => {
    expect(assessHealth(fixture('deployment-progress-deadline-exceeded')).message).toContain('progress deadline');
  });
});

describe('objects a real kube-apiserver served', () => {
  it.each([
    ['01-deployment-deployment.json', 'Progressing', 'Healthy'],
    ['03-statefulset-statefulset.json', 'Progressing', 'Healthy'],
    ['05-job-job.json', 'Progressing', 'Progressing'],
    ['07-configmap-configmap.json', 'Healthy', 'Healthy'],
    ['15-crd-customresourcedefinition.json', 'Healthy', 'Healthy'],
  ] as const)('%s is %s right after create and %s after the controllers ran', (file, atCreate, later) => {
    const { stored, afterControllers } = capture(file);
    expect(assessHealth(stored).status).toBe(atCreate);
    expect(assessHealth(afterControllers).status).toBe(later);
  });
});

describe('ordering', () => {
  it('orders statuses worst first and takes the worst of a set', () => {
    const healths = (['Healthy', 'Progressing', 'Unknown', 'Missing', 'Degraded'] as const).map((status) => ({ status, message: status }));
    expect([...healths].sort(compareHealth).map((h) => h.status)).toEqual(['Degraded', 'Missing', 'Unknown', 'Progressing', 'Healthy']);
    expect(worstOf(healths).status).toBe('Degraded');
    expect(worstOf([]).status).toBe('Healthy');
  });
});
