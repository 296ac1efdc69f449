import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKubeSim, type KubeSim } from '../support/kube-sim/index.js';

/**
 * Server-side apply (`application/apply-patch+yaml`): the applier owns exactly the fields it
 * sends; a field another manager set differently is a conflict unless forced; a field the applier
 * stops sending is removed. The create path is held to case-server-side-apply-dry-run.json by the
 * fidelity specs; the conflict answer follows the apiserver's source (not captured).
 */
let sim: KubeSim;

async function call(method: string, path: string, body: string, contentType: string) {
  const response = await fetch(`${sim.url}${path}`, { method, headers: { Authorization: `Bearer ${sim.token}`, 'Content-Type': contentType, 'User-Agent': 'kubectl/v1.32.0' }, body });
  return { status: response.status, body: (await response.json()) as any };
}
const apply = (name: string, yaml: string, query = 'fieldManager=gitops') => call('PATCH', `/api/v1/namespaces/ssa/configmaps/${name}?${query}`, yaml, 'application/apply-patch+yaml');

beforeAll(async () => {
  sim = await startKubeSim();
  await call('POST', '/api/v1/namespaces', JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'ssa' } }), 'application/json');
});
afterAll(async () => sim.stop());

describe('server-side apply', () => {
  it('creates a missing object from YAML, owning the fields it sent', async () => {
    const created = await apply('settings', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  a: "1"\n  b: "2"\n');
    expect(created.status).toBe(201);
    expect(created.body.data).toEqual({ a: '1', b: '2' });
    expect(created.body.metadata.managedFields).toEqual([expect.objectContaining({ manager: 'gitops', operation: 'Apply', fieldsV1: { 'f:data': { 'f:a': {}, 'f:b': {} } } })]);
  });

  it('refuses to take a field another manager set to a different value, unless forced', async () => {
    // Someone else (kubectl, an Update) changes a; the applier still says a: "1".
    await call('PATCH', '/api/v1/namespaces/ssa/configmaps/settings', JSON.stringify({ data: { a: 'edited' } }), 'application/merge-patch+json');
    const refused = await apply('settings', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  a: "1"\n  b: "2"\n');
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({
      reason: 'Conflict',
      message: 'Apply failed with 1 conflict: conflict with "kubectl" using v1: .data.a',
      details: { causes: [{ reason: 'FieldManagerConflict', message: 'conflict with "kubectl" using v1', field: '.data.a' }] },
    });
    const forced = await apply('settings', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  a: "1"\n  b: "2"\n', 'fieldManager=gitops&force=true');
    expect(forced.status).toBe(200);
    expect(forced.body.data.a).toBe('1');
    expect(forced.body.metadata.managedFields.map((entry: any) => entry.manager)).toEqual(['gitops']);
  });

  it('removes a field the applier no longer sends', async () => {
    const applied = await apply('settings', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  a: "1"\n');
    expect(applied.status).toBe(200);
    expect(applied.body.data).toEqual({ a: '1' });
  });

  it('needs a field manager', async () => {
    const answer = await apply('settings', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n', '');
    expect(answer.status).toBe(400);
  });
});
