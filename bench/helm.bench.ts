/**
 * Rendering a 300-object Helm chart (100 services × Deployment, Service, ConfigMap): the whole
 * render, helm's own share (the same `helm template` run alone), ours (copying the chart into
 * scratch space, parsing, hook mapping, validation, hashing), and the two caches.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { RenderCache, renderManifests } from '../src/render/index.js';
import { openLocalTree } from '../src/source/index.js';
import { ensureHelm } from '../test/support/helm-binary.js';
import { heading, measure, report } from './support/measure.js';

const run = promisify(execFile);
const SERVICES = 100;

export default async function helmBenchmark(): Promise<void> {
  heading(`helm: a chart of ${SERVICES * 3} objects`);
  const helm = await ensureHelm(process.env, (line) => process.stderr.write(`${line}\n`));
  process.env.FERRY_HELM = helm;
  const root = mkdtempSync(join(tmpdir(), 'ferry-bench-helm-'));
  try {
    writeChart(join(root, 'platform'));
    const tree = await openLocalTree(root);
    const options = { tree, path: 'platform', targetNamespace: 'bench', helm: { releaseName: 'bench', binary: helm } };
    const home = mkdtempSync(join(tmpdir(), 'ferry-bench-helm-home-'));
    const helmAlone = await measure(() =>
      run(helm, ['template', 'bench', join(root, 'platform'), '--namespace', 'bench', '--include-crds'], {
        env: { PATH: process.env.PATH ?? '', HOME: home, HELM_CACHE_HOME: join(home, 'c'), HELM_CONFIG_HOME: join(home, 'f'), HELM_DATA_HOME: join(home, 'd') },
        maxBuffer: 64 * 1024 * 1024,
      }),
    );
    rmSync(home, { recursive: true, force: true });
    // The first render also loads and compiles the render code; the figure is a later one's.
    await renderManifests({ ...options, cache: new RenderCache() });
    const cold = await measure(() => renderManifests({ ...options, cache: new RenderCache() }));
    const shared = new RenderCache();
    await renderManifests({ ...options, cache: shared });
    // A new revision that changed nothing the chart reads: helm's output comes from the build cache.
    const built = await measure(() => renderManifests({ ...options, tree: { ...tree, revision: 'another-commit', stat: tree.stat.bind(tree), listFiles: tree.listFiles.bind(tree), readFile: tree.readFile.bind(tree) }, cache: shared }));
    const unchanged = await measure(() => renderManifests({ ...options, cache: shared }));
    report('objects rendered', cold.result.objects.length);
    report('render, cold (helm template + ours)', cold.ms, 'ms');
    report('  helm template alone (helm’s share)', helmAlone.ms, 'ms');
    report('  ours (copy, parse, hooks, validate, hash)', Math.max(0, cold.ms - helmAlone.ms), 'ms');
    report('new commit, chart unchanged (build cache)', built.ms, 'ms');
    report('unchanged poll (render cache hit)', unchanged.ms, 'ms');
    report('peak heap', Math.max(cold.peakHeapMiB, built.peakHeapMiB, unchanged.peakHeapMiB), 'MiB');
    report('peak RSS', Math.max(cold.peakRssMiB, built.peakRssMiB, unchanged.peakRssMiB), 'MiB');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

/** A platform chart in the shape of many: one values list, a range over it, helpers for names and labels. */
function writeChart(dir: string): void {
  mkdirSync(join(dir, 'templates'), { recursive: true });
  writeFileSync(join(dir, 'Chart.yaml'), 'apiVersion: v2\nname: platform\nversion: 1.0.0\nappVersion: "1.0.0"\n');
  const services = Array.from({ length: SERVICES }, (_, i) => `  - name: svc-${String(i).padStart(3, '0')}\n    port: ${8000 + i}\n    replicas: ${1 + (i % 3)}\n    env:\n      LOG_LEVEL: info\n      FEATURE_${i}: "on"\n`).join('');
  writeFileSync(join(dir, 'values.yaml'), `image: registry.example.com/platform/service:1.0.0\nservices:\n${services}`);
  writeFileSync(join(dir, 'templates', '_helpers.tpl'), '{{- define "platform.labels" -}}\napp.kubernetes.io/name: {{ .name }}\napp.kubernetes.io/part-of: platform\n{{- end }}\n');
  writeFileSync(
    join(dir, 'templates', 'services.yaml'),
    `{{- range .Values.services }}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .name }}-config
  labels:
    {{- include "platform.labels" . | nindent 4 }}
data:
  {{- range $key, $value := .env }}
  {{ $key }}: {{ $value | quote }}
  {{- end }}
---
apiVersion: v1
kind: Service
metadata:
  name: {{ .name }}
  labels:
    {{- include "platform.labels" . | nindent 4 }}
spec:
  selector:
    {{- include "platform.labels" . | nindent 4 }}
  ports:
    - port: {{ .port }}
      targetPort: http
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .name }}
  labels:
    {{- include "platform.labels" . | nindent 4 }}
spec:
  replicas: {{ .replicas }}
  selector:
    matchLabels:
      {{- include "platform.labels" . | nindent 6 }}
  template:
    metadata:
      labels:
        {{- include "platform.labels" . | nindent 8 }}
    spec:
      containers:
        - name: app
          image: {{ $.Values.image }}
          ports:
            - name: http
              containerPort: {{ .port }}
          envFrom:
            - configMapRef:
                name: {{ .name }}-config
{{- end }}
`,
  );
}
