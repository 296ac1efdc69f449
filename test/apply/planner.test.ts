import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import type { KubeObject } from '../../src/objects.js';
import { formatRef, refOf } from '../../src/objects.js';
import { deletionOrder, planLayers } from '../../src/apply/index.js';

const objects = (yaml: string) => parseAllDocuments(yaml).map((d) => d.toJS() as KubeObject);
const layers = (yaml: string) => planLayers(objects(yaml)).layers.map((layer) => layer.objects.map((o) => formatRef(refOf(o))));

const APP = `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  template:
    spec:
      serviceAccountName: web
      imagePullSecrets: [{name: registry}]
      volumes:
      - {name: cfg, configMap: {name: web-config}}
      - {name: data, persistentVolumeClaim: {claimName: data}}
      containers:
      - name: web
        envFrom: [{secretRef: {name: web-env}}]
        env: [{name: X, valueFrom: {configMapKeyRef: {name: flags, key: x}}}]
---
apiVersion: v1
kind: ConfigMap
metadata: {name: web-config, namespace: shop}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: flags, namespace: shop}
---
apiVersion: v1
kind: Secret
metadata: {name: web-env, namespace: shop}
---
apiVersion: v1
kind: Secret
metadata: {name: registry, namespace: shop}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data, namespace: shop}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: web, namespace: shop}
---
apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web, namespace: shop}
spec:
  rules: [{http: {paths: [{path: /, backend: {service: {name: web, port: {number: 80}}}}]}}]
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: web, namespace: shop}
spec: {scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}}
`;

describe('planLayers', () => {
  it('orders an application by kind and by what each object references', () => {
    expect(layers(APP)).toEqual([
      ['Namespace/shop'],
      ['ServiceAccount/shop/web'],
      ['ConfigMap/shop/flags', 'ConfigMap/shop/web-config', 'Secret/shop/registry', 'Secret/shop/web-env'],
      ['PersistentVolumeClaim/shop/data'],
      ['Service/shop/web'],
      ['Deployment/shop/web'],
      ['HorizontalPodAutoscaler/shop/web'],
      ['Ingress/shop/web'],
    ]);
  });

  it('makes a workload wait for exactly what it references, except the claims it mounts', () => {
    const plan = planLayers(objects(APP));
    const deploymentLayer = plan.layers.find((l) => l.objects.some((o) => o.kind === 'Deployment'));
    expect(deploymentLayer?.waitFor.map(formatRef).sort()).toEqual([
      'ConfigMap/shop/flags',
      'ConfigMap/shop/web-config',
      'Namespace/shop',
      'Secret/shop/registry',
      'Secret/shop/web-env',
      'ServiceAccount/shop/web',
    ]);
  });

  it('orders a workload after the PersistentVolumeClaim it mounts without waiting for the claim to be Bound', () => {
    // With a WaitForFirstConsumer storage class (the default on EKS, GKE and AKS) the claim binds
    // only once a pod that uses it is scheduled: waiting for Bound first would never end.
    const plan = planLayers(
      objects(`
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, namespace: shop}
spec:
  template:
    spec:
      volumes: [{name: data, persistentVolumeClaim: {claimName: db-data}}]
      containers: [{name: db, image: postgres:17}]
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: db-data, namespace: shop}
spec: {storageClassName: gp3, accessModes: [ReadWriteOnce], resources: {requests: {storage: 10Gi}}}
`),
    );
    expect(plan.layers.map((l) => l.objects.map((o) => o.kind))).toEqual([['PersistentVolumeClaim'], ['StatefulSet']]);
    expect(plan.layers[1]?.waitFor).toEqual([]);
    expect(plan.edges).toContainEqual(expect.objectContaining({ from: expect.objectContaining({ kind: 'StatefulSet' }), to: expect.objectContaining({ kind: 'PersistentVolumeClaim' }), waits: false }));
  });

  it('waits for a claim when a ferry.dev/depends-on annotation asks for it', () => {
    const plan = planLayers(
      objects(`
apiVersion: batch/v1
kind: Job
metadata: {name: restore, namespace: shop, annotations: {ferry.dev/depends-on: PersistentVolumeClaim/shop/backup}}
spec:
  template:
    spec:
      volumes: [{name: data, persistentVolumeClaim: {claimName: backup}}]
      containers: [{name: restore, image: restic/restic:0.17}]
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: backup, namespace: shop}
`),
    );
    expect(plan.layers[1]?.waitFor.map(formatRef)).toEqual(['PersistentVolumeClaim/shop/backup']);
  });

  it('puts a custom resource after its CRD and waits for the CRD', () => {
    const plan = planLayers(
      objects(`
apiVersion: example.com/v1
kind: Widget
metadata: {name: w1, namespace: default}
---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.com}
spec: {group: example.com, names: {kind: Widget, plural: widgets}, scope: Namespaced}
`),
    );
    expect(plan.layers.map((l) => l.objects.map((o) => o.kind))).toEqual([['CustomResourceDefinition'], ['Widget']]);
    expect(plan.layers[1]?.waitFor).toEqual([{ apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', name: 'widgets.example.com' }]);
  });

  it('binds RBAC after the role it names', () => {
    expect(
      layers(`
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: rb, namespace: a}
roleRef: {kind: Role, name: reader, apiGroup: rbac.authorization.k8s.io}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: reader, namespace: a}
`),
    ).toEqual([['Role/a/reader'], ['RoleBinding/a/rb']]);
  });

  it('follows ferry.dev/depends-on annotations', () => {
    expect(
      layers(`
apiVersion: batch/v1
kind: Job
metadata: {name: migrate, namespace: a}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: a, annotations: {ferry.dev/depends-on: Job/a/migrate}}
`),
    ).toEqual([['Job/a/migrate'], ['Deployment/a/api']]);
  });

  it('follows a Kind/name depends-on to a cluster-scoped custom resource, whose scope the render already decided', () => {
    // A ClusterIssuer is cluster-scoped because its CRD says so, not because a table of built-in
    // kinds knows it: Kind/name is the dependent's namespace first, else the cluster.
    const plan = planLayers(
      objects(`
apiVersion: cert-manager.io/v1
kind: ClusterIssuer
metadata: {name: letsencrypt}
---
apiVersion: cert-manager.io/v1
kind: Certificate
metadata: {name: web-tls, namespace: shop, annotations: {ferry.dev/depends-on: ClusterIssuer/letsencrypt}}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: settings, namespace: shop}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: reader, namespace: shop, annotations: {ferry.dev/depends-on: ConfigMap/settings}}
`),
    );
    expect(plan.warnings).toEqual([]);
    expect(plan.edges.map((e) => `${formatRef(e.from)} → ${formatRef(e.to)} (${e.waits ? 'waits' : 'orders'})`).sort()).toEqual([
      'Certificate/shop/web-tls → ClusterIssuer/letsencrypt (waits)',
      'ConfigMap/shop/reader → ConfigMap/shop/settings (waits)',
    ]);
  });

  it('applies lower waves first, whatever the kinds', () => {
    expect(
      layers(`
apiVersion: v1
kind: ConfigMap
metadata: {name: late, namespace: a, annotations: {ferry.dev/wave: "1"}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: early, namespace: a, annotations: {ferry.dev/wave: "-1"}}
---
apiVersion: v1
kind: Secret
metadata: {name: normal, namespace: a}
`),
    ).toEqual([['Deployment/a/early'], ['Secret/a/normal'], ['ConfigMap/a/late']]);
  });

  it('starts a wave only once everything of the wave before it is ready', () => {
    const plan = planLayers(
      objects(`
apiVersion: batch/v1
kind: Job
metadata: {name: migrate, namespace: a, annotations: {ferry.dev/wave: "-1"}}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: schema, namespace: a, annotations: {ferry.dev/wave: "-1"}}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: settings, namespace: a}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: a}
---
apiVersion: batch/v1
kind: Job
metadata: {name: seed, namespace: a, annotations: {ferry.dev/wave: "1"}}
`),
    );
    expect(plan.layers.map((layer) => [layer.objects.map((o) => formatRef(refOf(o))), layer.waitFor.map(formatRef)])).toEqual([
      [['ConfigMap/a/schema'], []],
      [['Job/a/migrate'], []],
      [['ConfigMap/a/settings'], ['ConfigMap/a/schema', 'Job/a/migrate']],
      [['Deployment/a/api'], []],
      [['Job/a/seed'], ['ConfigMap/a/settings', 'Deployment/a/api']],
    ]);
  });

  it.each([
    [
      'a 2-cycle',
      `apiVersion: v1
kind: ConfigMap
metadata: {name: a, namespace: x, annotations: {ferry.dev/depends-on: ConfigMap/x/b}}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: b, namespace: x, annotations: {ferry.dev/depends-on: ConfigMap/x/a}}`,
      'dependency cycle: ConfigMap/x/a → ConfigMap/x/b → ConfigMap/x/a',
    ],
    [
      'a 3-cycle',
      `apiVersion: apps/v1
kind: Deployment
metadata: {name: a, namespace: x, annotations: {ferry.dev/depends-on: Service/x/c}}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: b, namespace: x, annotations: {ferry.dev/depends-on: Deployment/x/a}}
---
apiVersion: v1
kind: Service
metadata: {name: c, namespace: x, annotations: {ferry.dev/depends-on: ConfigMap/x/b}}`,
      'dependency cycle: ConfigMap/x/b → Deployment/x/a → Service/x/c → ConfigMap/x/b',
    ],
  ])('refuses %s, naming every object in it', (_name, yaml, message) => {
    expect(() => planLayers(objects(yaml))).toThrow(message);
  });

  it('refuses unreadable annotations, naming the object', () => {
    expect(() =>
      planLayers(
        objects(`apiVersion: v1
kind: ConfigMap
metadata: {name: a, namespace: x, annotations: {ferry.dev/wave: soon, ferry.dev/depends-on: "just-a-name"}}`),
      ),
    ).toThrow(/ConfigMap\/x\/a: ferry.dev\/wave: "soon" is not an integer\nConfigMap\/x\/a: ferry.dev\/depends-on: "just-a-name" is not Kind\/namespace\/name or Kind\/name/);
  });

  it('warns about a dependency outside the sync instead of failing', () => {
    const plan = planLayers(objects(`apiVersion: v1
kind: ConfigMap
metadata: {name: a, namespace: x, annotations: {ferry.dev/depends-on: Service/other/db}}`));
    expect(plan.warnings).toEqual(['ConfigMap/x/a: depends on Service/other/db, which is not part of this sync; not waiting for it']);
  });

  it('keeps 1,000 objects of 6 kinds in a handful of layers', () => {
    const kinds = [
      ['v1', 'ConfigMap'],
      ['v1', 'Secret'],
      ['v1', 'Service'],
      ['apps/v1', 'Deployment'],
      ['v1', 'ServiceAccount'],
      ['networking.k8s.io/v1', 'Ingress'],
    ] as const;
    const many: KubeObject[] = Array.from({ length: 1000 }, (_, i) => {
      const [apiVersion, kind] = kinds[i % kinds.length] as (typeof kinds)[number];
      return { apiVersion, kind, metadata: { name: `o-${i}`, namespace: 'bulk' } };
    });
    const plan = planLayers(many);
    expect(plan.layers.length).toBeLessThanOrEqual(6);
    expect(plan.layers.flatMap((l) => l.objects)).toHaveLength(1000);
  });

  it('gives the same plan whatever the input order', () => {
    const input = objects(APP);
    const shuffled = [...input].reverse();
    expect(layers(APP)).toEqual(planLayers(shuffled).layers.map((l) => l.objects.map((o) => formatRef(refOf(o)))));
  });
});

describe('deletionOrder', () => {
  it('is the apply order reversed', () => {
    expect(deletionOrder(objects(APP)).map((o) => o.kind)).toEqual([
      'Ingress',
      'HorizontalPodAutoscaler',
      'Deployment',
      'Service',
      'PersistentVolumeClaim',
      'Secret',
      'Secret',
      'ConfigMap',
      'ConfigMap',
      'ServiceAccount',
      'Namespace',
    ]);
  });
});
