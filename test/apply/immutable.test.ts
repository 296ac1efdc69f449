import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ObjectRef } from '../../src/objects.js';
import { errorFromResponse } from '../../src/kube/index.js';
import { immutableFieldsOf, isNeverRecreated } from '../../src/apply/immutable.js';

const captured = (name: string) => JSON.parse(readFileSync(new URL(`../fixtures/kube-apiserver-1.32/${name}.json`, import.meta.url), 'utf8')) as { status: number; body: unknown };
const ours = (name: string) => JSON.parse(readFileSync(new URL(`./fixtures/${name}.json`, import.meta.url), 'utf8')) as { ref: ObjectRef; status: number; body: unknown };
const refusal = (ref: ObjectRef, status: number, body: unknown) => errorFromResponse(status, body, { method: 'PATCH', url: 'https://cluster/x', ref });

describe('immutable-field refusals, told by the Status reason and cause fields', () => {
  it.each([
    ['case-patch-immutable-job-template', { apiVersion: 'batch/v1', kind: 'Job', namespace: 'capture', name: 'migrate' }, ['spec.template']],
    ['case-patch-immutable-service-clusterip', { apiVersion: 'v1', kind: 'Service', namespace: 'capture', name: 'web' }, ['spec.clusterIPs[0]']],
  ] as const)('%s (a real 1.32 answer) is an immutable-field refusal', (name, ref, fields) => {
    const { status, body } = captured(name);
    expect(immutableFieldsOf(ref, refusal(ref, status, body))).toEqual(fields);
  });

  it('a StatefulSet spec change the server forbids without saying "immutable" is immutable', () => {
    const { ref, status, body } = ours('statefulset-spec-forbidden');
    expect(immutableFieldsOf(ref, refusal(ref, status, body))).toEqual(['spec']);
  });

  it('a selector change that also breaks the template labels is invalid, not just immutable: recreating would fail too', () => {
    const ref = { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'capture', name: 'web' };
    const { status, body } = captured('case-patch-immutable-deployment-selector');
    expect(immutableFieldsOf(ref, refusal(ref, status, body))).toBeUndefined();
  });

  it('an invalid value of a mutable field is not immutable', () => {
    const { ref, status, body } = ours('deployment-negative-replicas');
    expect(immutableFieldsOf(ref, refusal(ref, status, body))).toBeUndefined();
  });

  it('a failed resourceVersion test is a conflict, not an immutable field', () => {
    const ref = { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'capture', name: 'proto' };
    const { status, body } = captured('case-json-patch-test-failed');
    expect(immutableFieldsOf(ref, refusal(ref, status, body))).toBeUndefined();
  });

  it('the same field of another kind is not immutable', () => {
    const { body } = ours('statefulset-spec-forbidden');
    const ref = { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'shop', name: 'db' };
    expect(immutableFieldsOf(ref, refusal(ref, 422, body))).toBeUndefined();
  });
});

describe('kinds ferry never recreates', () => {
  it.each([
    [{ apiVersion: 'v1', kind: 'PersistentVolumeClaim', namespace: 'shop', name: 'data' }, true],
    [{ apiVersion: 'v1', kind: 'PersistentVolume', name: 'pv-1' }, true],
    [{ apiVersion: 'v1', kind: 'Namespace', name: 'shop' }, true],
    [{ apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', name: 'widgets.example.com' }, true],
    [{ apiVersion: 'batch/v1', kind: 'Job', namespace: 'shop', name: 'migrate' }, false],
    [{ apiVersion: 'example.com/v1', kind: 'Namespace', namespace: 'shop', name: 'not-core' }, false],
  ] as const)('%j → %s', (ref, expected) => {
    expect(isNeverRecreated(ref)).toBe(expected);
  });
});
