import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/objects.js';
import { settingsFromGitSync } from '../../src/sync/index.js';

function gitSync(spec: Record<string, unknown>): KubeObject {
  return { apiVersion: 'ferry.dev/v1alpha1', kind: 'GitSync', metadata: { name: 'shop', namespace: 'team-a' }, spec };
}

describe('settingsFromGitSync', () => {
  it('applies the documented defaults to a minimal GitSync', () => {
    const settings = settingsFromGitSync(gitSync({ source: { url: 'https://git.example/shop.git' } }));
    expect(settings).toMatchObject({
      namespace: 'team-a',
      name: 'shop',
      source: { type: 'git', url: 'https://git.example/shop.git', path: '.' },
      renderType: 'auto',
      prune: true,
      selfHeal: true,
      suspend: false,
      rollback: true,
      historyLimit: 10,
      healthTimeoutMs: 300_000,
      intervalMs: 60_000,
      ignore: [],
      notify: [],
    });
    expect(settings.source.type === 'git' && settings.source.ref).toBeUndefined();
  });

  it('reads every field of a full spec', () => {
    const settings = settingsFromGitSync(
      gitSync({
        source: { url: 'https://git.example/shop.git', ref: { semver: '>=1.0.0 <2' }, path: 'deploy/prod', secretRef: { name: 'git-creds' }, interval: '30s', schedule: '*/5 * * * *' },
        render: { type: 'kustomize', substitute: { ENV: 'prod' }, substituteFrom: [{ kind: 'Secret', name: 'vars', optional: true }] },
        targetNamespace: 'shop',
        prune: false,
        selfHeal: false,
        suspend: true,
        force: true,
        health: { timeout: '2m' },
        rollback: { enabled: false },
        historyLimit: 3,
        ignoreDifferences: [{ group: 'apps', kind: 'Deployment', jsonPointers: ['/spec/replicas'] }],
        notify: [{ type: 'slack', secretRef: { name: 'slack' }, events: ['drift'] }],
      }),
    );
    expect(settings).toMatchObject({
      source: { ref: { semver: '>=1.0.0 <2' }, path: 'deploy/prod' },
      secretName: 'git-creds',
      intervalMs: 30_000,
      schedule: '*/5 * * * *',
      renderType: 'kustomize',
      substitute: { ENV: 'prod' },
      substituteFrom: [{ kind: 'Secret', name: 'vars', optional: true }],
      targetNamespace: 'shop',
      prune: false,
      selfHeal: false,
      suspend: true,
      force: true,
      healthTimeoutMs: 120_000,
      rollback: false,
      historyLimit: 3,
      ignore: [{ group: 'apps', kind: 'Deployment', jsonPointers: ['/spec/replicas'] }],
      notify: [{ type: 'slack', secretName: 'slack', events: ['drift'] }],
    });
  });

  it('reads the service account to act as and the namespaces references name', () => {
    const settings = settingsFromGitSync(
      gitSync({
        serviceAccountName: 'deployer',
        source: { url: 'https://git.example/shop.git', secretRef: { name: 'git-creds', namespace: 'platform' } },
        render: { substituteFrom: [{ kind: 'ConfigMap', name: 'vars', namespace: 'platform' }], helm: { valuesFrom: [{ kind: 'Secret', name: 'values', namespace: 'platform' }] } },
        notify: [{ type: 'slack', secretRef: { name: 'slack', namespace: 'alerts' } }],
      }),
    );
    expect(settings).toMatchObject({
      serviceAccountName: 'deployer',
      secretName: 'git-creds',
      secretNamespace: 'platform',
      substituteFrom: [{ kind: 'ConfigMap', name: 'vars', namespace: 'platform' }],
      helm: { valuesFrom: [{ kind: 'Secret', name: 'values', namespace: 'platform' }] },
      notify: [{ type: 'slack', secretName: 'slack', secretNamespace: 'alerts' }],
    });
  });

  it('refuses two refs at once, naming the GitSync and the field', () => {
    expect(() => settingsFromGitSync(gitSync({ source: { url: 'https://x/y.git', ref: { branch: 'main', tag: 'v1' } } }))).toThrow(
      'GitSync/team-a/shop: spec.source.ref: set only one of branch, tag, semver, commit (found branch, tag)',
    );
  });

  it('refuses an abbreviated commit', () => {
    expect(() => settingsFromGitSync(gitSync({ source: { url: 'https://x/y.git', ref: { commit: 'abc1234' } } }))).toThrow(/spec\.source\.ref\.commit: must be a full 40-character commit SHA/);
  });

  it('refuses a bad duration with the field name', () => {
    expect(() => settingsFromGitSync(gitSync({ source: { url: 'https://x/y.git' }, health: { timeout: 'soon' } }))).toThrow(
      /GitSync\/team-a\/shop: spec\.health\.timeout: "soon" is not a duration/,
    );
  });

  it('refuses a GitSync without a source URL', () => {
    expect(() => settingsFromGitSync(gitSync({ source: {} }))).toThrow('GitSync/team-a/shop: spec.source.url: missing');
  });
});
