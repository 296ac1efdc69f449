/** Three-way diff of 10,000 objects (Deployments, Services, ConfigMaps, CRs) with 10% changed. */
import type { KubeObject } from '../src/objects.js';
import { diffObject, formatDiff, summarizeDiffs } from '../src/diff/index.js';
import { heading, measure, report } from './support/measure.js';

function deployment(i: number, image: string): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: `d-${i}`, namespace: 'bench', labels: { app: `d-${i}` } },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: `d-${i}` } },
      template: {
        metadata: { labels: { app: `d-${i}` } },
        spec: { containers: [{ name: 'app', image, ports: [{ containerPort: 8080 }], env: [{ name: 'MODE', value: 'prod' }], resources: { requests: { cpu: '0.5', memory: '1024Mi' } } }] },
      },
    },
  };
}

/** What the API server stores for a Deployment: the same plus defaults and status. */
function served(object: KubeObject, i: number): KubeObject {
  const live = structuredClone(object) as any;
  live.metadata = { ...live.metadata, uid: `uid-${i}`, resourceVersion: String(1000 + i), generation: 1, creationTimestamp: '2026-11-22T10:00:00Z', managedFields: [{ manager: 'ferry' }] };
  if (live.kind === 'Deployment') {
    live.spec.strategy = { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } };
    live.spec.revisionHistoryLimit = 10;
    live.spec.progressDeadlineSeconds = 600;
    const pod = live.spec.template.spec;
    Object.assign(pod, { restartPolicy: 'Always', terminationGracePeriodSeconds: 30, dnsPolicy: 'ClusterFirst', schedulerName: 'default-scheduler', securityContext: {} });
    for (const c of pod.containers) {
      Object.assign(c, { imagePullPolicy: 'IfNotPresent', terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File' });
      c.ports[0].protocol = 'TCP';
      c.resources.requests = { cpu: '500m', memory: '1Gi' };
    }
    live.status = { observedGeneration: 1, replicas: 2, availableReplicas: 2 };
  }
  if (live.kind === 'Service') {
    Object.assign(live.spec, { clusterIP: `10.96.0.${i % 250}`, type: 'ClusterIP', sessionAffinity: 'None' });
    live.spec.ports[0].protocol = 'TCP';
  }
  return live;
}

function object(i: number, changed: boolean): KubeObject {
  switch (i % 4) {
    case 0:
      return deployment(i, changed ? 'app:2' : 'app:1');
    case 1:
      return { apiVersion: 'v1', kind: 'Service', metadata: { name: `s-${i}`, namespace: 'bench' }, spec: { selector: { app: `d-${i}` }, ports: [{ port: 80, targetPort: changed ? 9090 : 8080 }] } };
    case 2:
      return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `c-${i}`, namespace: 'bench' }, data: { key: changed ? 'new' : 'old', other: 'x'.repeat(100) } };
    default:
      return { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: `w-${i}`, namespace: 'bench' }, spec: { size: changed ? 5 : 3, ports: [{ name: 'http', port: 80 }] } };
  }
}

export default async function diffBenchmark(): Promise<void> {
  heading('diff: 10,000 objects, 10% changed');
  const N = 10_000;
  const base = Array.from({ length: N }, (_, i) => object(i, false));
  const live = base.map((o, i) => served(o, i));
  const desired = Array.from({ length: N }, (_, i) => object(i, i % 10 === 0));
  const run = await measure(() => desired.map((d, i) => diffObject({ base: base[i] as KubeObject, desired: d, live: live[i] as KubeObject })));
  const summary = summarizeDiffs(run.result);
  report('objects diffed', N);
  report('changed / unchanged', `${summary.change} / ${summary.unchanged}`);
  report('three-way diff time', run.ms, 'ms');
  report('per object', (run.ms / N) * 1000, 'µs');
  report('peak heap', run.peakHeapMiB, 'MiB');
  report('peak RSS', run.peakRssMiB, 'MiB');
  await largeObjectDiff();
}

/** The readable diff of one very large object: a 20,000-line ConfigMap value with one line changed. */
export async function largeObjectDiff(): Promise<void> {
  heading('formatDiff: a 20,000-line ConfigMap value, one line changed');
  const lines = Array.from({ length: 20_000 }, (_, i) => `key-${i} = value ${i % 97}`);
  const changed = [...lines];
  changed[12_345] = 'key-12345 = tuned';
  const configMap = (text: string[], resourceVersion?: string): KubeObject => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'rules', namespace: 'bench', ...(resourceVersion ? { resourceVersion } : {}) },
    data: { 'rules.conf': text.join('\n') },
  });
  const run = await measure(() => formatDiff(diffObject({ desired: configMap(changed), live: configMap(lines, '1') })));
  report('diff lines printed', run.result.split('\n').length);
  report('time', run.ms, 'ms');
  report('peak heap', run.peakHeapMiB, 'MiB');
  report('peak RSS', run.peakRssMiB, 'MiB');
}
