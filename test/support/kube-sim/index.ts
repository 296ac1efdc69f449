/**
 * A Kubernetes API server simulator for tests: a real HTTP(S) server on 127.0.0.1 speaking the
 * kube-apiserver REST protocol, held to the captured answers of real servers in
 * test/fixtures/kube-apiserver-1.32 (the default) and -1.19. See server.ts for the protocol and
 * controllers.ts for what the simulated cluster does on its own.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { fileURLToPath } from 'node:url';
import type { StorageClassSpec } from './controllers.js';
import type { ServedKind } from './discovery.js';
import { SimApiServer, type FaultSpec, type RecordedRequest } from './server.js';
import { profileFor, type KubeVersion } from './versions.js';

export type { FaultSpec, RecordedRequest } from './server.js';
export type { StorageClassSpec, VolumeBindingMode } from './controllers.js';
export type { KubeVersion } from './versions.js';

export interface KubeSimOptions {
  /**
   * The Kubernetes version the simulator answers as (default `1.32`): its `/version`, the API
   * versions it serves (1.32 answers 404 for `policy/v1beta1`, `batch/v1beta1`,
   * `autoscaling/v2beta2` …; 1.19 serves them and not their GA successors), its defaults, its
   * handling of `fieldValidation` (1.19 ignores it and drops unknown fields silently), OpenAPI v3
   * and aggregated discovery (1.32 only).
   */
  version?: KubeVersion;
  tls?: boolean;
  token?: string;
  /** How long a new CRD takes to become Established (default 50 ms). */
  crdEstablishDelayMs?: number;
  /** How long controllers take to act on a change: workload status, claim binding (default 50 ms). */
  controllerDelayMs?: number;
  /** How long a Deployment with a broken image takes to report ProgressDeadlineExceeded. */
  progressDeadlineMs?: number;
  forbidden?: Array<{ verb?: string; resource?: string; namespace?: string }>;
  /**
   * StorageClass objects the cluster starts with. A claim that names none gets the one marked
   * `default` (as the DefaultStorageClass admission plugin does). A claim of an `Immediate` class
   * binds after `controllerDelayMs`; a claim of a `WaitForFirstConsumer` class (the default class
   * on EKS, GKE and AKS) stays Pending until a Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet
   * or Job in its namespace mounts it, then binds; a claim naming a class the cluster lacks stays
   * Pending. Without this option there are no classes and every claim binds after
   * `controllerDelayMs`. Pods whose claims are not Bound stay Pending (their workload unavailable).
   */
  storageClasses?: StorageClassSpec[];
  /**
   * A controller writing status beside every client, as real controllers do: each object written
   * through the API whose kind has a status subresource (and a status with conditions) gets a
   * status write right after each write of it and right after each list that returns it — a new
   * resourceVersion, a `SimulatedStatusWrite` condition, a managedFields entry for
   * `status-writer`. Whatever a client just read or wrote is stale by the time it acts on it.
   */
  concurrentStatusWrites?: boolean;
}

export interface KubeSim {
  url: string;
  token: string;
  version: KubeVersion;
  kubeconfigPath: string;
  kubeconfigYaml: string;
  requests: RecordedRequest[];
  resetRequests(): void;
  countRequests(filter?: { verb?: string; method?: string; resource?: string }): number;
  injectFault(fault: FaultSpec): void;
  clearFaults(): void;
  getObject(apiVersion: string, kind: string, name: string, namespace?: string): Record<string, any> | undefined;
  /** Changes an object as someone else would (`kubectl edit`: manager `kubectl-edit`), bumping its resourceVersion. */
  mutateObject(apiVersion: string, kind: string, name: string, namespace: string | undefined, mutate: (object: any) => void): void;
  deleteObject(apiVersion: string, kind: string, name: string, namespace?: string): void;
  stop(): Promise<void>;
}

const TLS_DIR = fileURLToPath(new URL('../tls/', import.meta.url));

export async function startKubeSim(options: KubeSimOptions = {}): Promise<KubeSim> {
  const token = options.token ?? randomBytes(16).toString('hex');
  const version = options.version ?? '1.32';
  const api = new SimApiServer({
    token,
    profile: profileFor(version),
    controllers: {
      delayMs: options.controllerDelayMs ?? 50,
      crdEstablishDelayMs: options.crdEstablishDelayMs ?? 50,
      ...(options.progressDeadlineMs !== undefined ? { progressDeadlineMs: options.progressDeadlineMs } : {}),
      storageClasses: options.storageClasses ?? [],
      concurrentStatusWrites: options.concurrentStatusWrites ?? false,
    },
    forbidden: options.forbidden ?? [],
  });
  const handler = (request: http.IncomingMessage, response: http.ServerResponse) => void api.handle(request, response);
  const ca = readFileSync(join(TLS_DIR, 'server.crt'));
  const server = options.tls
    ? https.createServer({ cert: ca, key: readFileSync(join(TLS_DIR, 'server.key')) }, handler)
    : http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const url = `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`;
  const dir = mkdtempSync(join(tmpdir(), 'ferry-kube-sim-'));
  const kubeconfigYaml = kubeconfigFor(url, token, options.tls ? ca.toString('base64') : undefined);
  const kubeconfigPath = join(dir, 'kubeconfig');
  writeFileSync(kubeconfigPath, kubeconfigYaml);

  const kindOf = (apiVersion: string, kind: string): ServedKind => {
    const [group, groupVersion] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
    const served = api.kindsServed().find((k) => k.group === group && k.version === groupVersion && k.kind === kind);
    if (served) return served;
    // A custom resource whose CRD is not Established yet: storage is keyed by group and plural.
    const crd = api.store.list({ group: 'apiextensions.k8s.io', plural: 'customresourcedefinitions' }).find((c) => c.spec.group === group && c.spec.names.kind === kind);
    if (!crd) throw new Error(`simulator: ${apiVersion}/${kind} is not served by Kubernetes ${version}`);
    return { group: group as string, version: groupVersion as string, kind, plural: crd.spec.names.plural, singular: '', namespaced: crd.spec.scope !== 'Cluster', statusSubresource: false, generation: true, deleteCollection: true, custom: true };
  };

  return {
    url,
    token,
    version,
    kubeconfigPath,
    kubeconfigYaml,
    requests: api.requests,
    resetRequests: () => void api.requests.splice(0),
    countRequests: (filter = {}) =>
      api.requests.filter((r) => (!filter.verb || r.verb === filter.verb) && (!filter.method || r.method === filter.method) && (!filter.resource || r.resource === filter.resource)).length,
    injectFault: (fault) => api.injectFault(fault),
    clearFaults: () => api.clearFaults(),
    getObject: (apiVersion, kind, name, namespace) => {
      const simKind = kindOf(apiVersion, kind);
      const object = api.store.get(simKind, namespace, name);
      return object ? structuredClone(api.writes.serve(simKind, object)) : undefined;
    },
    mutateObject: (apiVersion, kind, name, namespace, mutate) => {
      const simKind = kindOf(apiVersion, kind);
      const object = api.store.get(simKind, namespace, name);
      if (!object) throw new Error(`simulator: ${kind}/${namespace ?? ''}/${name} does not exist`);
      const next = structuredClone(object);
      mutate(next);
      const specBefore = JSON.stringify({ ...object, metadata: undefined, status: undefined });
      const specAfter = JSON.stringify({ ...next, metadata: undefined, status: undefined });
      if (next.metadata.generation !== undefined && specBefore !== specAfter) next.metadata.generation += 1;
      const written = api.writes.controllerWrite(simKind, object, next, 'kubectl-edit', undefined);
      // A change the field manager cannot see (managedFields themselves) still gets a new version.
      if (!written && !isDeepStrictEqual(object, next)) api.store.put(simKind, { ...next, metadata: { ...next.metadata, resourceVersion: api.store.nextResourceVersion() } });
    },
    deleteObject: (apiVersion, kind, name, namespace) => {
      api.store.remove(kindOf(apiVersion, kind), namespace, name);
    },
    stop: async () => {
      api.stop();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function kubeconfigFor(url: string, token: string, caData: string | undefined): string {
  const cluster = caData ? `    certificate-authority-data: ${caData}` : '    insecure-skip-tls-verify: true';
  return `apiVersion: v1
kind: Config
clusters:
- name: sim
  cluster:
    server: ${url}
${cluster}
users:
- name: sim
  user:
    token: ${token}
contexts:
- name: sim
  context:
    cluster: sim
    user: sim
    namespace: default
current-context: sim
`;
}
