import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/objects.js';
import { refuseByPolicy, settingsFromGitSync, type TenancyPolicy } from '../../src/sync/index.js';

const gitSync = (spec: Record<string, unknown>): KubeObject => ({ apiVersion: 'ferry.dev/v1alpha1', kind: 'GitSync', metadata: { name: 'apps', namespace: 'team-a' }, spec } as KubeObject);
const refusal = (spec: Record<string, unknown>, policy: TenancyPolicy) => refuseByPolicy(settingsFromGitSync(gitSync(spec)), policy);
const https = { url: 'https://git.example.com/team-a/apps.git' };
const LOCKED: TenancyPolicy = { noCrossNamespaceRefs: true };

describe('the agent’s tenancy rules for one GitSync', () => {
  it.each([
    ['spec.source.secretRef', { source: { ...https, secretRef: { name: 'git', namespace: 'platform' } } }, 'Secret/platform/git'],
    ['spec.render.substituteFrom[1]', { source: https, render: { substituteFrom: [{ kind: 'ConfigMap', name: 'own' }, { kind: 'ConfigMap', name: 'vars', namespace: 'platform' }] } }, 'ConfigMap/platform/vars'],
    ['spec.render.helm.valuesFrom[0]', { source: https, render: { helm: { valuesFrom: [{ kind: 'Secret', name: 'values', namespace: 'team-b' }] } } }, 'Secret/team-b/values'],
    ['spec.notify[0].secretRef', { source: https, notify: [{ type: 'slack', secretRef: { name: 'slack', namespace: 'team-b' } }] }, 'Secret/team-b/slack'],
  ])('with --no-cross-namespace-refs refuses %s naming another namespace', (field, spec, ref) => {
    const refused = refusal(spec, LOCKED);
    expect(refused).toMatchObject({ code: 'SYNC_CROSS_NAMESPACE_REF', reason: 'CrossNamespaceRefRefused' });
    expect(refused?.message).toContain(`GitSync/team-a/apps: ${field} names ${ref}, in another namespace`);
  });

  it('accepts references that name the GitSync’s own namespace, or none', () => {
    expect(refusal({ source: { ...https, secretRef: { name: 'git', namespace: 'team-a' } }, notify: [{ type: 'slack', secretRef: { name: 'slack' } }] }, LOCKED)).toBeUndefined();
  });

  it('accepts cross-namespace references without the flag (the identity’s RBAC decides the read)', () => {
    expect(refusal({ source: { ...https, secretRef: { name: 'git', namespace: 'platform' } } }, {})).toBeUndefined();
  });

  it('refuses a source scheme the agent does not fetch before looking at references', () => {
    const refused = refusal({ source: { url: 'file:///etc', secretRef: { name: 'git', namespace: 'platform' } } }, LOCKED);
    expect(refused).toMatchObject({ code: 'SYNC_SOURCE_URL_REFUSED', reason: 'SourceURLRefused', details: { field: 'spec.source.url' } });
  });

  it('holds a chart source to the same rules', () => {
    expect(refusal({ source: { helm: { repository: 'http://charts.example.com', chart: 'web' } } }, {})).toMatchObject({ reason: 'SourceURLRefused', details: { field: 'spec.source.helm.repository' } });
    expect(refusal({ source: { helm: { repository: 'http://charts.example.com', chart: 'web' } } }, { allowInsecureHttp: true })).toBeUndefined();
  });
});
