import type { KubeObject } from '../objects.js';
import { groupOf, versionOf } from '../objects.js';
import { builtinSchema, schemaFromCrd, schemaFromOpenApi, type KindSchema } from '../diff/index.js';
import type { ApplyClient } from './apply-request.js';
import { crdDefines, isCrd } from './custom-resources.js';
import type { ResolvedObject } from './resolve.js';

/** The schema the diff merges each kind by, keyed `apiVersion/Kind`; absent: the diff's built-in fallback. */
export type KindSchemas = ReadonlyMap<string, KindSchema>;

/** The key of an object's kind in KindSchemas. */
export function schemaKey(object: Pick<KubeObject, 'apiVersion' | 'kind'>): string {
  return `${object.apiVersion}/${object.kind}`;
}

const CRD_API_VERSION = 'apiextensions.k8s.io/v1';
const CRD_KIND = 'CustomResourceDefinition';

/**
 * The schemas the diff merges by, kept from one apply to the next. A built-in kind's comes from
 * the server's OpenAPI v3 document of its group version (the kube client keeps documents until
 * discovery is refreshed; a server without OpenAPI v3 leaves the diff's built-in table). A custom
 * resource's comes from its CRD: the one in the revision, else the cluster's, read again only
 * when its resourceVersion moved (one metadata-only list of CRDs per apply tells).
 */
export class SchemaCatalog {
  /** CRDs read from the cluster, by name, with the resourceVersion they were read at. */
  private readonly crds = new Map<string, { resourceVersion: string; crd: KubeObject }>();
  /** Parsed CRD schemas by `name@resourceVersion/version`. */
  private readonly parsed = new Map<string, KindSchema | undefined>();

  /** The schemas of every kind among `objects`; CRDs of the revision (`desired`) win over the cluster's. */
  async schemasFor(client: ApplyClient, objects: ResolvedObject[], desired: KubeObject[]): Promise<KindSchemas> {
    const crdsInSet = desired.filter(isCrd);
    const kinds = new Map<string, ResolvedObject>();
    for (const object of objects) if (!kinds.has(schemaKey(object.desired))) kinds.set(schemaKey(object.desired), object);
    const schemas = new Map<string, KindSchema>();
    const fromCluster: Array<{ key: string; crdName: string; version: string }> = [];
    await Promise.all(
      [...kinds.entries()].map(async ([key, object]) => {
        const { apiVersion } = object.desired;
        const inSet = crdsInSet.find((crd) => crdDefines(crd, object.desired));
        if (inSet) {
          const schema = schemaFromCrd(inSet, versionOf(apiVersion));
          if (schema) schemas.set(key, schema);
          return;
        }
        if (object.state !== 'served') return;
        if (builtinSchema(apiVersion, object.desired.kind) === undefined) {
          // Not a kind the API server is built with: most likely a CRD's.
          fromCluster.push({ key, crdName: `${object.resource.name}.${groupOf(apiVersion)}`, version: versionOf(apiVersion) });
          return;
        }
        const schema = await this.fromOpenApi(client, object.desired);
        if (schema) schemas.set(key, schema);
      }),
    );
    if (fromCluster.length > 0) {
      const crds = await this.clusterCrds(client, new Set(fromCluster.map((entry) => entry.crdName)));
      await Promise.all(
        fromCluster.map(async ({ key, crdName, version }) => {
          const crd = crds.get(crdName);
          // No CRD by that name: an aggregated API server's kind, described in OpenAPI if at all.
          const schema = crd ? this.parse(crd, version) : await this.fromOpenApi(client, (kinds.get(key) as ResolvedObject).desired);
          if (schema) schemas.set(key, schema);
        }),
      );
    }
    return schemas;
  }

  private async fromOpenApi(client: ApplyClient, object: KubeObject): Promise<KindSchema | undefined> {
    // A document that cannot be read leaves the built-in table: a schema is worth no failed apply.
    const document = await client.openApiV3(object.apiVersion).catch(() => undefined);
    return schemaFromOpenApi(document, { group: groupOf(object.apiVersion), version: versionOf(object.apiVersion), kind: object.kind });
  }

  /** The named CRDs as the cluster holds them now, read again only when their resourceVersion moved. */
  private async clusterCrds(client: ApplyClient, names: Set<string>): Promise<Map<string, KubeObject>> {
    const found = new Map<string, KubeObject>();
    const listed = await client.listMetadata(CRD_API_VERSION, CRD_KIND).catch(() => undefined);
    if (!listed) return found;
    await Promise.all(
      listed
        .filter((item) => names.has(item.metadata.name))
        .map(async (item) => {
          const { name, resourceVersion = '' } = item.metadata;
          const cached = this.crds.get(name);
          if (cached && cached.resourceVersion === resourceVersion) {
            found.set(name, cached.crd);
            return;
          }
          const crd = await client.getOrNull({ apiVersion: CRD_API_VERSION, kind: CRD_KIND, name }).catch(() => null);
          if (!crd) return;
          this.crds.set(name, { resourceVersion: crd.metadata.resourceVersion ?? resourceVersion, crd });
          found.set(name, crd);
        }),
    );
    return found;
  }

  private parse(crd: KubeObject, version: string): KindSchema | undefined {
    const id = `${crd.metadata.name}@${crd.metadata.resourceVersion ?? ''}/${version}`;
    if (!this.parsed.has(id)) this.parsed.set(id, schemaFromCrd(crd, version));
    return this.parsed.get(id);
  }
}

const catalogs = new WeakMap<ApplyClient, SchemaCatalog>();

/** The catalog kept for one client, when the caller brings none. */
export function catalogOf(client: ApplyClient): SchemaCatalog {
  let catalog = catalogs.get(client);
  if (!catalog) {
    catalog = new SchemaCatalog();
    catalogs.set(client, catalog);
  }
  return catalog;
}
