import type { KubeObject } from '../objects.js';
import { refOf } from '../objects.js';
import { UnknownKindError, type ApiResource } from '../kube/index.js';
import type { ApplyClient } from './apply-request.js';
import type { ChangeEntry } from './changeset.js';
import { crdDefines, isCrd } from './custom-resources.js';
import { asFerryError } from './errors.js';

/** One desired object after discovery. */
export type ResolvedObject =
  /** The server serves its kind now. */
  | { state: 'served'; desired: KubeObject; resource: ApiResource }
  /** A custom resource whose CRD this same apply creates: resolved once the CRD is Established. */
  | { state: 'awaits-crd'; desired: KubeObject };

export interface Resolution {
  objects: ResolvedObject[];
  /** Objects whose kind the server does not serve (and no CRD of the set defines). */
  problems: ChangeEntry[];
}

/**
 * Looks up every object's kind through discovery, once per apiVersion and kind. A cluster-scoped
 * object loses a namespace the render gave it; a custom resource of a CRD in the same set waits
 * for that CRD instead of failing.
 */
export async function resolveKinds(client: ApplyClient, desired: KubeObject[]): Promise<Resolution> {
  const crds = desired.filter(isCrd);
  const lookups = new Map<string, Promise<ApiResource | Error>>();
  const lookup = (apiVersion: string, kind: string) => {
    const key = `${apiVersion}/${kind}`;
    let promise = lookups.get(key);
    if (!promise) {
      promise = client.resourceFor(apiVersion, kind).catch((error: unknown) => (error instanceof Error ? error : new Error(String(error))));
      lookups.set(key, promise);
    }
    return promise;
  };
  const problems: ChangeEntry[] = [];
  const objects = await Promise.all(
    desired.map(async (object): Promise<ResolvedObject | undefined> => {
      const resource = await lookup(object.apiVersion, object.kind);
      if (!(resource instanceof Error)) return { state: 'served', desired: resource.namespaced ? object : withoutNamespace(object), resource };
      if (resource instanceof UnknownKindError && crds.some((crd) => crdDefines(crd, object))) return { state: 'awaits-crd', desired: object };
      const error = asFerryError(resource, object);
      problems.push({ ref: refOf(object), action: 'failed', error, message: error.message });
      return undefined;
    }),
  );
  return { objects: objects.filter((object): object is ResolvedObject => object !== undefined), problems };
}

function withoutNamespace(object: KubeObject): KubeObject {
  if (object.metadata.namespace === undefined) return object;
  const { namespace: _dropped, ...metadata } = object.metadata;
  return { ...object, metadata: metadata as KubeObject['metadata'] };
}
