import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/objects.js';
import { checkOwnership, syncId, withSyncLabels } from '../../src/apply/index.js';

const configMap = (labels?: Record<string, string>, annotations?: Record<string, string>): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'cfg', namespace: 'shop', ...(labels ? { labels } : {}), ...(annotations ? { annotations } : {}) },
});

describe('sync labels', () => {
  it('adds the managed-by and sync labels without losing the object’s own', () => {
    const labelled = withSyncLabels(configMap({ app: 'web' }), syncId('ferry-system', 'shop'));
    expect(labelled.metadata.labels).toEqual({ app: 'web', 'app.kubernetes.io/managed-by': 'ferry', 'ferry.dev/sync': 'ferry-system.shop' });
  });
});

describe('checkOwnership', () => {
  const sync = 'ferry-system.shop';

  it('lets a sync write to its own objects', () => {
    expect(checkOwnership(configMap(), configMap({ 'ferry.dev/sync': sync }), sync)).toBeUndefined();
  });

  it('refuses an object of another sync and names the owner', () => {
    const error = checkOwnership(configMap(), configMap({ 'ferry.dev/sync': 'team-b.billing' }), sync);
    expect(error?.code).toBe('APPLY_OWNED_BY_OTHER_SYNC');
    expect(error?.message).toBe(
      "ConfigMap/shop/cfg: owned by GitSync team-b/billing (label ferry.dev/sync=team-b.billing); ferry does not take over another sync's objects — remove it from one of the two repositories",
    );
  });

  it('refuses another sync’s object even when Git asks to adopt it', () => {
    const error = checkOwnership(configMap(undefined, { 'ferry.dev/adopt': 'true' }), configMap({ 'ferry.dev/sync': 'team-b.billing' }), sync);
    expect(error?.code).toBe('APPLY_OWNED_BY_OTHER_SYNC');
  });

  it('refuses an object ferry did not create, naming its manager', () => {
    const error = checkOwnership(configMap(), configMap({ 'app.kubernetes.io/managed-by': 'Helm' }), sync);
    expect(error?.code).toBe('APPLY_NOT_MANAGED');
    expect(error?.message).toContain('ConfigMap/shop/cfg: already exists and was not created by ferry (managed by Helm)');
    expect(error?.message).toContain('ferry.dev/adopt: "true"');
  });

  it('adopts an unmanaged object when Git says ferry.dev/adopt: "true"', () => {
    expect(checkOwnership(configMap(undefined, { 'ferry.dev/adopt': 'true' }), configMap(), sync)).toBeUndefined();
  });
});
