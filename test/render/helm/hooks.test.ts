import { describe, expect, it } from 'vitest';
import { helmHookOf, hookWave } from '../../../src/render/helm/hooks.js';

const object = (annotations: Record<string, string>) => ({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'migrate', annotations } });

describe('Helm hooks, mapped as Argo CD maps them', () => {
  it.each([
    ['pre-install', { action: 'run', phase: 'pre', weight: 0, deletePolicies: ['before-hook-creation'] }],
    ['pre-install,pre-upgrade', { action: 'run', phase: 'pre', weight: 0, deletePolicies: ['before-hook-creation'] }],
    ['pre-upgrade', { action: 'run', phase: 'pre', weight: 0, deletePolicies: ['before-hook-creation'] }],
    ['post-install, post-upgrade', { action: 'run', phase: 'post', weight: 0, deletePolicies: ['before-hook-creation'] }],
    ['test', { action: 'skip', reason: 'test', hooks: ['test'] }],
    ['test-success', { action: 'skip', reason: 'test', hooks: ['test-success'] }],
    ['pre-delete', { action: 'skip', reason: 'unsupported', hooks: ['pre-delete'] }],
    ['post-rollback', { action: 'skip', reason: 'unsupported', hooks: ['post-rollback'] }],
  ])('helm.sh/hook: %s', (hook, expected) => {
    expect(helmHookOf(object({ 'helm.sh/hook': hook }))).toEqual(expected);
  });

  it('an object without hooks, or with Helm 2’s crd-install, is an ordinary object', () => {
    expect(helmHookOf(object({}))).toBeUndefined();
    expect(helmHookOf(object({ 'helm.sh/hook': 'crd-install' }))).toBeUndefined();
  });

  it('reads the weight and the delete policies', () => {
    expect(helmHookOf(object({ 'helm.sh/hook': 'pre-upgrade', 'helm.sh/hook-weight': '-5', 'helm.sh/hook-delete-policy': 'hook-succeeded, hook-failed' }))).toEqual({
      action: 'run',
      phase: 'pre',
      weight: -5,
      deletePolicies: ['hook-succeeded', 'hook-failed'],
    });
  });

  it('puts pre hooks far before every wave and post hooks far after, lower weights first; an explicit ferry.dev/wave wins', () => {
    const pre = object({ 'helm.sh/hook': 'pre-install', 'helm.sh/hook-weight': '-10' });
    const post = object({ 'helm.sh/hook': 'post-install', 'helm.sh/hook-weight': '2' });
    const pinned = object({ 'helm.sh/hook': 'post-install', 'ferry.dev/wave': '7' });
    const wave = (o: ReturnType<typeof object>) => hookWave(o, helmHookOf(o) as Extract<ReturnType<typeof helmHookOf>, { action: 'run' }>);
    expect([wave(pre), wave(post), wave(pinned)]).toEqual(['-1000010', '1000002', '7']);
  });
});
