import type { KubeObject, ObjectRef } from '../objects.js';
import { formatRef, groupOf, isJsonObject, objectKey, refOf } from '../objects.js';
import { FerryError } from '../errors.js';
import { kindRank } from './kind-order.js';

export { kindRank } from './kind-order.js';

import { DEPENDS_ON_ANNOTATION, WAVE_ANNOTATION } from '../well-known.js';

export { DEPENDS_ON_ANNOTATION, WAVE_ANNOTATION } from '../well-known.js';

export interface PlannedLayer {
  index: number;
  objects: KubeObject[];
  /** Objects of earlier layers that objects here depend on: wait until they are ready. */
  waitFor: ObjectRef[];
}

export interface DependencyEdge {
  /** The object that depends … */
  from: ObjectRef;
  /** … on this one. */
  to: ObjectRef;
  reason: string;
  /** Whether `from` waits for `to` to be ready, or is only ordered after it. */
  waits: boolean;
}

export interface Plan {
  layers: PlannedLayer[];
  edges: DependencyEdge[];
  warnings: string[];
}

/** A dependency cycle; the message names every object in it, in order. */
export class DependencyCycleError extends FerryError {}
/** A `ferry.dev/depends-on` or `ferry.dev/wave` annotation that cannot be read. */
export class PlanError extends FerryError {}

interface Node {
  object: KubeObject;
  key: string;
  wave: number;
  rank: number;
  /** Object key of each dependency → whether to wait for it to be ready (else only order after it). */
  deps: Map<string, boolean>;
}

/**
 * Orders objects into layers: each layer holds objects whose dependencies are all in earlier
 * layers. Dependencies come from waves (`ferry.dev/wave`), the built-in kind order, references
 * between objects (a workload → the ConfigMaps, Secrets, ServiceAccount and PVCs it mounts, a
 * RoleBinding → its Role, a custom resource → its CRD, a namespaced object → its Namespace …) and
 * `ferry.dev/depends-on`. The result is stable: the same objects give the same plan in any order.
 */
export function planLayers(objects: KubeObject[]): Plan {
  const warnings: string[] = [];
  const nodes = new Map<string, Node>();
  const problems: string[] = [];
  for (const object of objects) {
    const key = objectKey(refOf(object));
    let wave = 0;
    const waveText = object.metadata.annotations?.[WAVE_ANNOTATION];
    if (waveText !== undefined) {
      if (!/^-?\d+$/.test(waveText.trim())) problems.push(`${formatRef(refOf(object))}: ${WAVE_ANNOTATION}: "${waveText}" is not an integer`);
      else wave = Number(waveText);
    }
    nodes.set(key, { object, key, wave, rank: kindRank(object.apiVersion, object.kind), deps: new Map() });
  }
  const edges: DependencyEdge[] = [];
  const addEdge = (from: Node, toKey: string | undefined, reason: string, waits = true) => {
    if (!toKey || toKey === from.key || !nodes.has(toKey)) return;
    const existing = from.deps.get(toKey);
    if (existing === true || existing === waits) return;
    from.deps.set(toKey, waits);
    // An explicit depends-on turns an ordering-only edge into one that waits.
    const upgraded = existing === false ? edges.find((e) => !e.waits && objectKey(e.from) === from.key && objectKey(e.to) === toKey) : undefined;
    if (upgraded) Object.assign(upgraded, { reason, waits });
    else edges.push({ from: refOf(from.object), to: refOf((nodes.get(toKey) as Node).object), reason, waits });
  };
  const index = indexByName(objects);
  for (const node of nodes.values()) {
    for (const [toKey, reason, waits] of inferredDependencies(node.object, index)) addEdge(node, toKey, reason, waits);
    const annotation = node.object.metadata.annotations?.[DEPENDS_ON_ANNOTATION];
    if (annotation !== undefined) {
      for (const entry of annotation.split(',').map((s) => s.trim()).filter(Boolean)) {
        const target = parseDependsOn(entry);
        if (!target) {
          problems.push(`${formatRef(refOf(node.object))}: ${DEPENDS_ON_ANNOTATION}: "${entry}" is not Kind/namespace/name or Kind/name`);
          continue;
        }
        const toKey = dependsOnTarget(target, node.object, index);
        if (!toKey) warnings.push(`${formatRef(refOf(node.object))}: depends on ${entry}, which is not part of this sync; not waiting for it`);
        else addEdge(node, toKey, 'depends-on annotation');
      }
    }
  }
  if (problems.length > 0) throw new PlanError('APPLY_INVALID_ANNOTATION', problems.join('\n'), { details: { problems } });

  // Longest-path layering: an object goes one layer after the last of its explicit dependencies,
  // and never before objects of an earlier wave or of a lower kind rank in its wave.
  const order = [...nodes.values()].sort(compareNodes);
  const cycle = findCycle(order, nodes);
  if (cycle) {
    const names = cycle.map((key) => formatRef(refOf((nodes.get(key) as Node).object)));
    throw new DependencyCycleError('APPLY_DEPENDENCY_CYCLE', `dependency cycle: ${[...names, names[0]].join(' → ')}`, { details: { cycle: names } });
  }
  const layerOf = new Map<string, number>();
  const bands = [...new Set(order.map((n) => `${n.wave}|${n.rank}`))];
  const bandFloor = new Map<string, number>();
  let floor = 0;
  const memo = (node: Node): number => {
    const cached = layerOf.get(node.key);
    if (cached !== undefined) return cached;
    let layer = bandFloor.get(`${node.wave}|${node.rank}`) ?? 0;
    for (const dep of node.deps.keys()) layer = Math.max(layer, memo(nodes.get(dep) as Node) + 1);
    layerOf.set(node.key, layer);
    return layer;
  };
  for (const band of bands) {
    bandFloor.set(band, floor);
    const members = order.filter((n) => `${n.wave}|${n.rank}` === band);
    let top = floor;
    for (const node of members) top = Math.max(top, memo(node));
    floor = top + 1;
  }
  // Compact: drop empty layer numbers.
  const used = [...new Set(layerOf.values())].sort((a, b) => a - b);
  const compact = new Map(used.map((layer, i) => [layer, i]));
  const layers: PlannedLayer[] = used.map((_, i) => ({ index: i, objects: [], waitFor: [] }));
  for (const node of order) (layers[compact.get(layerOf.get(node.key) as number) as number] as PlannedLayer).objects.push(node.object);
  // A wave starts once everything of the wave before it is ready (as Argo CD's sync waves do):
  // a migration Job in an early wave completes before what needs the new schema is applied.
  const waveOf = (layer: PlannedLayer) => (nodes.get(objectKey(refOf(layer.objects[0] as KubeObject))) as Node).wave;
  for (const [index, layer] of layers.entries()) {
    const waits = new Map<string, ObjectRef>();
    for (const object of layer.objects) {
      const node = nodes.get(objectKey(refOf(object))) as Node;
      for (const [dep, gates] of node.deps) if (gates) waits.set(dep, refOf((nodes.get(dep) as Node).object));
    }
    const previous = layers[index - 1];
    if (previous && waveOf(previous) < waveOf(layer)) {
      for (const earlier of layers.slice(0, index).filter((candidate) => waveOf(candidate) === waveOf(previous))) {
        for (const object of earlier.objects) waits.set(objectKey(refOf(object)), refOf(object));
      }
    }
    layer.waitFor = [...waits.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([, ref]) => ref);
  }
  return { layers, edges, warnings };
}

/** Objects in the order to delete them: the reverse of the apply order. */
export function deletionOrder(objects: KubeObject[]): KubeObject[] {
  return deletionLayers(objects).flat();
}

/**
 * Objects in groups to delete one after the other: the apply layers reversed, so what depends on
 * an object (a custom resource on its operator and CRD, anything on its Namespace) goes first.
 */
export function deletionLayers(objects: KubeObject[]): KubeObject[][] {
  try {
    return planLayers(objects).layers.map((layer) => [...layer.objects].reverse()).reverse();
  } catch {
    // Objects being deleted need no valid plan: fall back to the reverse kind order.
    const ranks = [...new Set(objects.map((object) => kindRank(object.apiVersion, object.kind)))].sort((a, b) => b - a);
    return ranks.map((rank) => objects.filter((object) => kindRank(object.apiVersion, object.kind) === rank));
  }
}

function compareNodes(a: Node, b: Node): number {
  return a.wave - b.wave || a.rank - b.rank || a.key.localeCompare(b.key);
}

function findCycle(order: Node[], nodes: Map<string, Node>): string[] | undefined {
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (key: string): string[] | undefined => {
    if (state.get(key) === 'done') return undefined;
    if (state.get(key) === 'visiting') return stack.slice(stack.indexOf(key));
    state.set(key, 'visiting');
    stack.push(key);
    for (const dep of [...(nodes.get(key) as Node).deps.keys()].sort()) {
      const cycle = visit(dep);
      if (cycle) return cycle;
    }
    stack.pop();
    state.set(key, 'done');
    return undefined;
  };
  for (const node of order) {
    const cycle = visit(node.key);
    if (cycle) return cycle;
  }
  return undefined;
}

interface NameIndex {
  /** `Kind/namespace/name` → object key */
  byKindName: Map<string, string>;
  /** `group/Kind` → CRD object key */
  crds: Map<string, string>;
}

function indexByName(objects: KubeObject[]): NameIndex {
  const byKindName = new Map<string, string>();
  const crds = new Map<string, string>();
  for (const object of objects) {
    const key = objectKey(refOf(object));
    byKindName.set(`${object.kind}/${object.metadata.namespace ?? ''}/${object.metadata.name}`, key);
    if (object.kind === 'CustomResourceDefinition' && isJsonObject(object.spec)) {
      const spec = object.spec as { group?: string; names?: { kind?: string } };
      if (spec.group && spec.names?.kind) crds.set(`${spec.group}/${spec.names.kind}`, key);
    }
  }
  return { byKindName, crds };
}

/**
 * What an object refers to, as (object key, reason, waits) triples; unknown targets are ignored
 * by the caller. `waits` is false for an edge that only orders: a workload goes after the claims it
 * mounts but never waits for them to be Bound, because a claim of a `WaitForFirstConsumer` storage
 * class (the default on EKS, GKE and AKS) binds only once a pod that uses it exists.
 */
function inferredDependencies(object: KubeObject, index: NameIndex): Array<[string | undefined, string, boolean?]> {
  const deps: Array<[string | undefined, string, boolean?]> = [];
  const ns = object.metadata.namespace;
  // `null` names a cluster-scoped object (an omitted argument means the dependent's namespace).
  const find = (kind: string, name: unknown, namespace: string | null | undefined = ns) =>
    typeof name === 'string' ? index.byKindName.get(`${kind}/${namespace ?? ''}/${name}`) : undefined;
  const crd = index.crds.get(`${groupOf(object.apiVersion)}/${object.kind}`);
  if (crd) deps.push([crd, 'custom resource of this CRD']);
  if (ns) deps.push([find('Namespace', ns, null), 'namespace']);
  const spec = isJsonObject(object.spec) ? (object.spec as Record<string, any>) : {};
  const podSpec = podSpecOf(object.kind, spec);
  if (podSpec) {
    if (podSpec.serviceAccountName) deps.push([find('ServiceAccount', podSpec.serviceAccountName), 'service account']);
    for (const secret of podSpec.imagePullSecrets ?? []) deps.push([find('Secret', secret?.name), 'image pull secret']);
    for (const volume of podSpec.volumes ?? []) {
      if (volume?.configMap) deps.push([find('ConfigMap', volume.configMap.name), 'volume']);
      if (volume?.secret) deps.push([find('Secret', volume.secret.secretName), 'volume']);
      if (volume?.persistentVolumeClaim) deps.push([find('PersistentVolumeClaim', volume.persistentVolumeClaim.claimName), 'volume', false]);
      for (const source of volume?.projected?.sources ?? []) {
        if (source?.configMap) deps.push([find('ConfigMap', source.configMap.name), 'projected volume']);
        if (source?.secret) deps.push([find('Secret', source.secret.name), 'projected volume']);
      }
    }
    for (const container of [...(podSpec.initContainers ?? []), ...(podSpec.containers ?? [])]) {
      for (const from of container?.envFrom ?? []) {
        if (from?.configMapRef) deps.push([find('ConfigMap', from.configMapRef.name), 'envFrom']);
        if (from?.secretRef) deps.push([find('Secret', from.secretRef.name), 'envFrom']);
      }
      for (const env of container?.env ?? []) {
        if (env?.valueFrom?.configMapKeyRef) deps.push([find('ConfigMap', env.valueFrom.configMapKeyRef.name), 'env']);
        if (env?.valueFrom?.secretKeyRef) deps.push([find('Secret', env.valueFrom.secretKeyRef.name), 'env']);
      }
    }
  }
  if (object.kind === 'RoleBinding' || object.kind === 'ClusterRoleBinding') {
    const roleRef = (object as Record<string, any>).roleRef;
    if (roleRef?.kind === 'Role') deps.push([find('Role', roleRef.name), 'role binding']);
    if (roleRef?.kind === 'ClusterRole') deps.push([find('ClusterRole', roleRef.name, null), 'role binding']);
    for (const subject of (object as Record<string, any>).subjects ?? []) {
      if (subject?.kind === 'ServiceAccount') deps.push([find('ServiceAccount', subject.name, subject.namespace ?? ns), 'binding subject']);
    }
  }
  if (object.kind === 'Ingress') {
    const backends = [spec.defaultBackend, ...(spec.rules ?? []).flatMap((rule: any) => (rule?.http?.paths ?? []).map((path: any) => path?.backend))];
    for (const backend of backends) if (backend?.service?.name) deps.push([find('Service', backend.service.name), 'ingress backend']);
  }
  if (object.kind === 'HorizontalPodAutoscaler' && spec.scaleTargetRef) deps.push([find(spec.scaleTargetRef.kind, spec.scaleTargetRef.name), 'scale target']);
  return deps;
}

function podSpecOf(kind: string, spec: Record<string, any>): Record<string, any> | undefined {
  switch (kind) {
    case 'Pod':
      return spec;
    case 'Deployment':
    case 'StatefulSet':
    case 'DaemonSet':
    case 'ReplicaSet':
    case 'Job':
      return spec.template?.spec;
    case 'CronJob':
      return spec.jobTemplate?.spec?.template?.spec;
    default:
      return undefined;
  }
}

function parseDependsOn(entry: string): { kind: string; namespace?: string; name: string } | undefined {
  const parts = entry.split('/');
  if (parts.some((part) => part === '')) return undefined;
  if (parts.length === 3) return { kind: parts[0] as string, namespace: parts[1] as string, name: parts[2] as string };
  if (parts.length === 2) return { kind: parts[0] as string, name: parts[1] as string };
  return undefined;
}

/**
 * The object a depends-on entry names. `Kind/name` is in the dependent's namespace, or else
 * cluster-scoped: the objects already carry the scope render resolved (a CRD of the revision, the
 * cluster's discovery), so a ClusterIssuer or any other custom kind is found without a table.
 */
function dependsOnTarget(target: { kind: string; namespace?: string; name: string }, from: KubeObject, index: NameIndex): string | undefined {
  if (target.namespace !== undefined) return index.byKindName.get(`${target.kind}/${target.namespace}/${target.name}`);
  const namespace = from.metadata.namespace;
  return (namespace ? index.byKindName.get(`${target.kind}/${namespace}/${target.name}`) : undefined) ?? index.byKindName.get(`${target.kind}//${target.name}`);
}
