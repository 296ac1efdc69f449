import { describe, expect, it } from 'vitest';
import { renderManifests } from '../../src/render/index.js';
import { parseManifestFile } from '../../src/render/parse.js';
import { treeOf } from './support.js';

const manifest = `apiVersion: v1
kind: ConfigMap
metadata:
  name: schedule
data:
  window: 12:30
  long: 190:20:30
  ratio: 1:20.5
  date: 2024-01-01
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  paused: on
  revisionHistoryLimit: 010
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      enableServiceLinks: no
      volumes:
        - name: scripts
          configMap: {name: scripts, defaultMode: 0755}
      containers: [{name: web, image: web:1}]
`;

describe('YAML is read as kubectl reads it (go-yaml v2), kustomize output as kustomize wrote it (YAML 1.2)', () => {
  it('keeps YAML 1.1 booleans and octals, but sexagesimal numbers and timestamps stay strings', async () => {
    const [schedule, web] = (await renderManifests({ tree: treeOf({ 'a.yaml': manifest }) })).objects.map((o) => o.object as any);
    expect(schedule.data).toEqual({ window: '12:30', long: '190:20:30', ratio: '1:20.5', date: '2024-01-01' });
    expect(web.spec.paused).toBe(true);
    expect(web.spec.revisionHistoryLimit).toBe(8);
    expect(web.spec.template.spec.enableServiceLinks).toBe(false);
    expect(web.spec.template.spec.volumes[0].configMap.defaultMode).toBe(0o755);
  });

  it('reads kustomize output as YAML 1.2, where on, yes and 0755 are what they say', () => {
    const output = Buffer.from('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  a: on\n  b: yes\n  c: 0755\n  d: 12:30\n');
    expect(parseManifestFile('kustomization.yaml', output, { yaml: '1.2' }).documents[0]?.value).toMatchObject({ data: { a: 'on', b: 'yes', c: 755, d: '12:30' } });
    expect(parseManifestFile('a.yaml', output).documents[0]?.value).toMatchObject({ data: { a: true, b: true, c: 493, d: '12:30' } });
  });

  it('locates any field of any document, also inside a List', () => {
    const text = `# header\n---\n${manifest}---\napiVersion: v1\nkind: List\nitems:\n  - apiVersion: v1\n    kind: Secret\n    metadata: {name: s}\n    stringData:\n      "token.txt": abc\n`;
    const [first, second, item] = parseManifestFile('a.yaml', Buffer.from(text)).documents;
    expect(first?.locate(['data', 'window'])).toEqual({ line: 8, column: 11 });
    expect(second?.locate(['spec', 'template', 'spec', 'volumes', 0, 'configMap', 'defaultMode'])).toEqual({ line: 27, column: 51 });
    expect(item?.locate(['stringData', 'token.txt'])).toEqual({ line: 37, column: 20 });
    expect(item?.locate(['spec', 'nothing'])).toBeUndefined();
  });
});
