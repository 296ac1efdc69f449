/** Rendering 10,000 objects (2,000 files × 5 documents): cold, with the parse cache warm, and an unchanged poll. */
import { RenderCache, renderManifests } from '../src/render/index.js';
import { treeFromFiles, type SourceFile } from '../src/source/index.js';
import { heading, measure, report } from './support/measure.js';

export default async function renderBenchmark(): Promise<void> {
  heading('render: 10,000 objects in 2,000 files');
  const files: SourceFile[] = [];
  for (let f = 0; f < 2000; f++) {
    const docs = [];
    for (let d = 0; d < 5; d++) {
      const i = f * 5 + d;
      docs.push(
        d % 2 === 0
          ? `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-${i}\n  labels: {app: a-${f}}\ndata:\n  index: "${i}"\n  flag: yes\n`
          : `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: dep-${i}\nspec:\n  replicas: 2\n  selector: {matchLabels: {app: a-${i}}}\n  template:\n    metadata: {labels: {app: a-${i}}}\n    spec:\n      containers:\n      - name: app\n        image: nginx:1.25\n        env: [{name: ENV, value: "\${ENV:=prod}"}]\n        resources: {requests: {cpu: 0.1, memory: 64Mi}}\n`,
      );
    }
    files.push({ path: `apps/f-${f}.yaml`, content: Buffer.from(docs.join('---\n')), blobId: `blob-${f}` });
  }
  const tree = treeFromFiles(files, 'bench');
  const cache = new RenderCache();
  const cold = await measure(() => renderManifests({ tree, targetNamespace: 'bench', cache }));
  const warm = await measure(() => renderManifests({ tree, targetNamespace: 'bench' }));
  const unchanged = await measure(() => renderManifests({ tree, targetNamespace: 'bench', cache }));
  report('objects rendered', cold.result.objects.length);
  report('cold render (parse + validate + hash)', cold.ms, 'ms');
  report('warm render (parse cache hit)', warm.ms, 'ms');
  report('unchanged poll (render cache hit)', unchanged.ms, 'ms');
  report('peak heap', Math.max(cold.peakHeapMiB, warm.peakHeapMiB, unchanged.peakHeapMiB), 'MiB');
  report('peak RSS', Math.max(cold.peakRssMiB, warm.peakRssMiB, unchanged.peakRssMiB), 'MiB');
}
