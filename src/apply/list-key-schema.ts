import type { KubeObject } from '../objects.js';
import { groupOf } from '../objects.js';
import { listKeysFromCrd, type ListKeySchema } from '../diff/index.js';
import type { ApplyClient } from './apply-request.js';
import { crdDefines, isCrd, isCustomGroup } from './custom-resources.js';
import type { ResolvedObject } from './resolve.js';

/** List keys of the custom resources among `objects`, from their CRDs (in the set or on the cluster). */
export async function collectListKeys(client: ApplyClient, objects: ResolvedObject[], desired: KubeObject[]): Promise<ListKeySchema> {
  const crdsInSet = desired.filter(isCrd);
  const schema: ListKeySchema = {};
  const seen = new Set<string>();
  for (const object of objects) {
    const group = groupOf(object.desired.apiVersion);
    const kindKey = `${group}/${object.desired.kind}`;
    if (!isCustomGroup(object.desired.apiVersion) || seen.has(kindKey)) continue;
    seen.add(kindKey);
    let crd = crdsInSet.find((candidate) => crdDefines(candidate, object.desired));
    if (!crd && object.state === 'served') {
      crd =
        (await client
          .getOrNull({ apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', name: `${object.resource.name}.${group}` })
          .catch(() => null)) ?? undefined;
    }
    if (crd) Object.assign(schema, listKeysFromCrd(crd));
  }
  return schema;
}
