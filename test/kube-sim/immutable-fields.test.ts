import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKubeSim, type KubeSim, type KubeVersion } from '../support/kube-sim/index.js';

/**
 * Changes to fields that may not change are refused already at the dry run, with the reason and
 * field the real server names, so a client can plan a recreate from the dry run's answer without
 * reading messages (StatefulSet's refusal says "Forbidden", not "immutable"). Where no capture
 * exists the causes follow the apiserver's validation source (noted per row).
 */
interface Row {
  title: string;
  path: string;
  object: Record<string, unknown>;
  patch: Array<Record<string, unknown>>;
  causes: Record<KubeVersion, Array<{ reason: string; field: string; message: string | RegExp }>>;
}

const labels = { app: 'x' };
const podTemplate = { metadata: { labels }, spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox:1' }] } };
const ROWS: Row[] = [
  {
    title: 'a Job’s pod template (captured)',
    path: '/apis/batch/v1/namespaces/imm/jobs',
    object: { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'job' }, spec: { template: podTemplate } },
    patch: [{ op: 'replace', path: '/spec/template/spec/containers/0/image', value: 'busybox:2' }],
    causes: {
      '1.19': [{ reason: 'FieldValueInvalid', field: 'spec.template', message: /: field is immutable$/ }],
      '1.32': [{ reason: 'FieldValueInvalid', field: 'spec.template', message: /: field is immutable$/ }],
    },
  },
  {
    title: 'a Deployment’s selector (captured)',
    path: '/apis/apps/v1/namespaces/imm/deployments',
    object: { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'deploy' }, spec: { selector: { matchLabels: labels }, template: { ...podTemplate, spec: { containers: podTemplate.spec.containers } } } },
    patch: [
      { op: 'replace', path: '/spec/selector/matchLabels/app', value: 'y' },
      { op: 'replace', path: '/spec/template/metadata/labels/app', value: 'y' },
    ],
    causes: {
      '1.19': [{ reason: 'FieldValueInvalid', field: 'spec.selector', message: 'Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"y"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable' }],
      '1.32': [{ reason: 'FieldValueInvalid', field: 'spec.selector', message: 'Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"y"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable' }],
    },
  },
  {
    title: 'a StatefulSet’s serviceName (inferred: validation source)',
    path: '/apis/apps/v1/namespaces/imm/statefulsets',
    object: { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'sts' }, spec: { serviceName: 'a', selector: { matchLabels: labels }, template: { ...podTemplate, spec: { containers: podTemplate.spec.containers } } } },
    patch: [{ op: 'replace', path: '/spec/serviceName', value: 'b' }],
    causes: {
      '1.19': [{ reason: 'FieldValueForbidden', field: 'spec', message: "Forbidden: updates to statefulset spec for fields other than 'replicas', 'template', and 'updateStrategy' are forbidden" }],
      '1.32': [
        {
          reason: 'FieldValueForbidden',
          field: 'spec',
          message: "Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
        },
      ],
    },
  },
  {
    title: 'a Service’s clusterIP (captured)',
    path: '/api/v1/namespaces/imm/services',
    object: { apiVersion: 'v1', kind: 'Service', metadata: { name: 'svc' }, spec: { selector: labels, ports: [{ port: 80 }] } },
    patch: [{ op: 'replace', path: '/spec/clusterIP', value: '10.96.200.200' }],
    causes: {
      '1.19': [{ reason: 'FieldValueInvalid', field: 'spec.clusterIP', message: 'Invalid value: "10.96.200.200": field is immutable' }],
      '1.32': [{ reason: 'FieldValueInvalid', field: 'spec.clusterIPs[0]', message: 'Invalid value: []string{"10.96.200.200"}: may not change once set' }],
    },
  },
  {
    title: 'a RoleBinding’s roleRef (inferred: validation source)',
    path: '/apis/rbac.authorization.k8s.io/v1/namespaces/imm/rolebindings',
    object: { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'rb' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'a' }, subjects: [{ kind: 'ServiceAccount', name: 'default' }] },
    patch: [{ op: 'replace', path: '/roleRef/name', value: 'b' }],
    causes: {
      '1.19': [{ reason: 'FieldValueInvalid', field: 'roleRef', message: 'Invalid value: rbac.RoleRef{APIGroup:"rbac.authorization.k8s.io", Kind:"Role", Name:"b"}: cannot change roleRef' }],
      '1.32': [{ reason: 'FieldValueInvalid', field: 'roleRef', message: 'Invalid value: rbac.RoleRef{APIGroup:"rbac.authorization.k8s.io", Kind:"Role", Name:"b"}: cannot change roleRef' }],
    },
  },
  {
    title: 'a PersistentVolumeClaim’s access modes (inferred: validation source)',
    path: '/api/v1/namespaces/imm/persistentvolumeclaims',
    object: { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'pvc' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } },
    patch: [{ op: 'replace', path: '/spec/accessModes', value: ['ReadWriteMany'] }],
    causes: {
      '1.19': [{ reason: 'FieldValueForbidden', field: 'spec', message: 'Forbidden: spec is immutable after creation except resources.requests' }],
      '1.32': [{ reason: 'FieldValueForbidden', field: 'spec', message: 'Forbidden: spec is immutable after creation except resources.requests' }],
    },
  },
];

describe.each<KubeVersion>(['1.19', '1.32'])('Kubernetes %s refuses at the dry run', (version) => {
  let sim: KubeSim;
  const call = async (method: string, path: string, body: unknown, contentType = 'application/json') => {
    const response = await fetch(`${sim.url}${path}`, { method, headers: { Authorization: `Bearer ${sim.token}`, 'Content-Type': contentType }, body: JSON.stringify(body) });
    return { status: response.status, body: (await response.json()) as any };
  };
  beforeAll(async () => {
    sim = await startKubeSim({ version, controllerDelayMs: 5 });
    await call('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'imm' } });
  });
  afterAll(async () => sim.stop());

  it.each(ROWS)('$title', async (row) => {
    expect((await call('POST', row.path, row.object)).status).toBe(201);
    const name = (row.object.metadata as { name: string }).name;
    const answer = await call('PATCH', `${row.path}/${name}?dryRun=All`, row.patch, 'application/json-patch+json');
    expect(answer.status).toBe(422);
    expect(answer.body).toMatchObject({ kind: 'Status', reason: 'Invalid', code: 422 });
    const causes = answer.body.details.causes as Array<{ reason: string; field: string; message: string }>;
    expect(causes).toHaveLength(row.causes[version].length);
    row.causes[version].forEach((expected, i) => {
      expect(causes[i]).toMatchObject({ reason: expected.reason, field: expected.field });
      if (typeof expected.message === 'string') expect(causes[i]?.message).toBe(expected.message);
      else expect(causes[i]?.message).toMatch(expected.message);
    });
  });

  it.runIf(version === '1.32')('keeps a Service’s allocated clusterIP when an update leaves it out or empties it', async () => {
    const created = await call('POST', '/api/v1/namespaces/imm/services', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'keep' }, spec: { selector: labels, ports: [{ port: 80 }] } });
    const emptied = await call('PATCH', '/api/v1/namespaces/imm/services/keep', [{ op: 'replace', path: '/spec/clusterIP', value: '' }], 'application/json-patch+json');
    expect(emptied.status).toBe(200);
    expect(emptied.body.spec.clusterIP).toBe(created.body.spec.clusterIP);
    expect(emptied.body.spec.clusterIPs).toEqual([created.body.spec.clusterIP]);
  });
});
