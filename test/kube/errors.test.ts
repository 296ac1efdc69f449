import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { backoffDelay, errorFromResponse, isPatchTestFailure, isRetryable, DEFAULT_RETRY, NetworkError, ServerError } from '../../src/kube/index.js';

const CAPTURES = new URL('../fixtures/kube-apiserver-1.19/', import.meta.url);
const capture = (name: string) => JSON.parse(readFileSync(new URL(`${name}.json`, CAPTURES), 'utf8')) as { status: number; body: unknown };
const ref = { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'capture', name: 'proto' };

describe('typed errors from the real server’s Status answers', () => {
  it.each([
    ['case-get-not-found', 'KUBE_NOT_FOUND', 'ConfigMap/capture/proto: not found'],
    ['case-create-already-exists', 'KUBE_ALREADY_EXISTS', 'ConfigMap/capture/proto: already exists'],
    ['case-update-stale-resource-version', 'KUBE_CONFLICT', 'ConfigMap/capture/proto: conflict: Operation cannot be fulfilled on configmaps "proto": the object has been modified'],
    ['case-create-invalid-name', 'KUBE_INVALID', 'ConfigMap/capture/proto: invalid: metadata.name: Invalid value: "Bad_Name": a DNS-1123 subdomain'],
    ['case-patch-immutable-service-clusterip', 'KUBE_INVALID', 'ConfigMap/capture/proto: invalid: spec.clusterIP: Invalid value: "10.96.0.99": field is immutable'],
    ['case-forbidden', 'KUBE_FORBIDDEN', 'ConfigMap/capture/proto: forbidden: configmaps is forbidden: User "limited" cannot list resource "configmaps"'],
    ['case-unauthorized', 'KUBE_UNAUTHORIZED', 'ConfigMap/capture/proto: the API server rejected ferry\'s credentials (401 Unauthorized)'],
    ['case-json-patch-test-failed', 'KUBE_INVALID', 'ConfigMap/capture/proto: invalid: the server rejected our request due to an error in our request'],
  ])('%s → %s', (name, code, message) => {
    const { status, body } = capture(name);
    const error = errorFromResponse(status, body, { method: 'GET', url: 'https://x/api', ref });
    expect(error.code).toBe(code);
    expect(error.message.startsWith(message)).toBe(true);
    expect(error.status).toBe(status);
  });

  it('keeps the field causes of a 422', () => {
    const { status, body } = capture('case-patch-immutable-deployment-selector');
    expect(errorFromResponse(status, body, { method: 'PATCH', url: 'https://x', ref }).causes.map((c) => c.field)).toEqual(['spec.template.metadata.labels', 'spec.selector']);
  });

  it('recognizes a failed resourceVersion test, and only that, as a patch test failure', () => {
    const failed = capture('case-json-patch-test-failed');
    const immutable = capture('case-patch-immutable-service-clusterip');
    expect(isPatchTestFailure(errorFromResponse(failed.status, failed.body, { method: 'PATCH', url: 'x', ref }))).toBe(true);
    expect(isPatchTestFailure(errorFromResponse(immutable.status, immutable.body, { method: 'PATCH', url: 'x', ref }))).toBe(false);
  });

  it('reads 429 Retry-After and 5xx answers', () => {
    const throttled = errorFromResponse(429, { kind: 'Status', message: 'slow down', reason: 'TooManyRequests' }, { method: 'GET', url: 'x', what: 'ConfigMap list' }, '3');
    expect(throttled).toMatchObject({ code: 'KUBE_TOO_MANY_REQUESTS', retryAfterSeconds: 3 });
    expect(errorFromResponse(503, 'upstream unavailable', { method: 'GET', url: 'x', ref })).toMatchObject({ code: 'KUBE_SERVER_ERROR' });
  });

  it('every captured error case maps to a typed error', () => {
    for (const file of readdirSync(CAPTURES).filter((f) => f.startsWith('case-'))) {
      const { status, body } = capture(file.replace(/\.json$/, ''));
      if (status < 400) continue;
      expect(errorFromResponse(status, body, { method: 'GET', url: 'x', ref }).code, file).toMatch(/^KUBE_/);
    }
  });
});

describe('retry policy', () => {
  it('backs off exponentially with full jitter, capped', () => {
    const max = () => 0.999999;
    expect([1, 2, 3, 4, 10].map((attempt) => backoffDelay(attempt, DEFAULT_RETRY, undefined, max))).toEqual([200, 400, 800, 1600, 10_000]);
    expect(backoffDelay(3, DEFAULT_RETRY, undefined, () => 0)).toBe(0);
  });

  it('honours Retry-After when it asks for longer', () => {
    expect(backoffDelay(1, DEFAULT_RETRY, 2, () => 0.5)).toBe(2000);
  });

  it('retries idempotent calls on 5xx and network errors, creates only when the server did not process them', () => {
    const down = new ServerError('KUBE_SERVER_ERROR', 'x', { status: 500 });
    const unavailable = new ServerError('KUBE_SERVER_ERROR', 'x', { status: 503 });
    const reset = new NetworkError('KUBE_NETWORK', 'x', { reason: 'NetworkError' });
    expect(isRetryable(down, true)).toBe(true);
    expect(isRetryable(down, false)).toBe(false);
    expect(isRetryable(unavailable, false)).toBe(true);
    expect(isRetryable(reset, true)).toBe(true);
    expect(isRetryable(reset, false)).toBe(false);
  });
});
