import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { KubeObject } from '../../src/objects.js';
import { assessHealth, compareHealth, isTerminal, worstOf, type HealthStatus } from '../../src/health/index.js';

const fixture = (name: string) => parse(readFileSync(new URL(`./fixtures/${name}.yaml`, import.meta.url), 'utf8')) as KubeObject;
const capture = (version: string, file: string) => JSON.parse(readFileSync(new URL(`../fixtures/kube-apiserver-${version}/${file}`, import.meta.url), 'utf8')) as { stored: KubeObject; afterControllers: KubeObject };

describe('assessHealth, one line per fixture', () => {
  it.each<[string, HealthStatus]>([
    ['deployment-healthy', 'Healthy'],
    ['deployment-not-observed', 'Progressing'],
    ['deployment-rolling', 'Progressing'],
    ['deployment-old-replicas-terminating', 'Progressing'],
    ['deployment-progress-deadline-exceeded', 'Degraded'],
    ['deployment-paused', 'Healthy'],
    ['deployment-replica-failure', 'Degraded'],
    ['statefulset-healthy', 'Healthy'],
    ['statefulset-revision-rolling', 'Progressing'],
    ['statefulset-partitioned', 'Healthy'],
    ['statefulset-ondelete', 'Healthy'],
    ['statefulset-ready-not-available', 'Progressing'],
    ['daemonset-healthy', 'Healthy'],
    ['daemonset-updating', 'Progressing'],
    ['daemonset-ondelete-unavailable', 'Progressing'],
    ['daemonset-ondelete-available', 'Healthy'],
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
    ['service-loadbalancer-ignored', 'Healthy'],
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
    ['custom-resource-ready-unknown', 'Progressing'],
    ['custom-resource-available-unknown', 'Progressing'],
    ['custom-resource-degraded-ignored', 'Healthy'],
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

  it('an object annotated ferry.dev/health: ignore says it was not assessed', () => {
    expect(assessHealth(fixture('service-loadbalancer-ignored')).message).toBe('not assessed (ferry.dev/health: ignore)');
  });
});

describe('isTerminal: health that waiting will not fix', () => {
  it.each<[string, boolean]>([
    ['job-failed', true],
    ['deployment-progress-deadline-exceeded', true],
    ['deployment-replica-failure', true],
    ['crd-names-conflict', true],
    ['deployment-rolling', false],
    ['pod-crashloop', false],
    ['custom-resource-ready-unknown', false],
  ])('%s: %s', (name, terminal) => {
    const object = fixture(name);
    expect(isTerminal(object, assessHealth(object))).toBe(terminal);
  });
});

describe('objects a real kube-apiserver served', () => {
  it.each([
    ['1.19', '01-deployment-deployment.json', 'Progressing', 'Healthy'],
    ['1.19', '03-statefulset-statefulset.json', 'Progressing', 'Healthy'],
    ['1.19', '05-job-job.json', 'Progressing', 'Progressing'],
    ['1.19', '07-configmap-configmap.json', 'Healthy', 'Healthy'],
    ['1.19', '15-crd-customresourcedefinition.json', 'Healthy', 'Healthy'],
    ['1.32', '01-deployment-deployment.json', 'Progressing', 'Healthy'],
    ['1.32', '03-statefulset-statefulset.json', 'Progressing', 'Healthy'],
    ['1.32', '04-daemonset-daemonset.json', 'Progressing', 'Healthy'],
    ['1.32', '05-job-job.json', 'Progressing', 'Healthy'],
    ['1.32', '07-configmap-configmap.json', 'Healthy', 'Healthy'],
    ['1.32', '15-crd-customresourcedefinition.json', 'Healthy', 'Healthy'],
  ] as const)('%s: %s is %s right after create and %s after the controllers ran', (version, file, atCreate, later) => {
    const { stored, afterControllers } = capture(version, file);
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
