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
import { SYSTEM_MASTERS } from './rbac/index.js';
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
  /**
   * The bearer token of the kubeconfig the simulator writes (`kubeconfigPath`, `token`; random by
   * default). It authenticates as `kubernetes-admin` in the group `system:masters`, which passes
   * every authorization and RBAC escalation check (the privileged-groups authorizer, as on a real
   * cluster), and may impersonate anyone.
   */
  token?: string;
  /**
   * Further users with static bearer tokens (as `--token-auth-file` issues them): each is its
   * `name`, its `groups` and `system:authenticated`, and may do what the RBAC objects in the
   * simulator bind to it — nothing but discovery, `/version` and self-reviews at the start. Their
   * credentials: `sim.credentials(name)`. More can be added later with `sim.addUser`.
   */
  users?: SimUserSpec[];
  /**
   * Service accounts with bearer tokens: each authenticates as
   * `system:serviceaccount:<namespace>:<name>` in `system:serviceaccounts`,
   * `system:serviceaccounts:<namespace>` and `system:authenticated` — while the ServiceAccount
   * object exists (create it first, as a real token needs its account), and 401 otherwise.
   * Credentials: `sim.credentials('system:serviceaccount:<namespace>:<name>')`, or later
   * `sim.addServiceAccountToken(namespace, name)`.
   */
  serviceAccounts?: SimServiceAccountSpec[];
  /**
   * Whether a request without an `Authorization` header is `system:anonymous` in
   * `system:unauthenticated` (default `true`, as kube-apiserver's `--anonymous-auth`): it may read
   * `/version` and health endpoints and gets 403 elsewhere. `false` answers such requests 401.
   * A token the simulator did not issue is 401 either way.
   */
  anonymous?: boolean;
  /** How long a new CRD takes to become Established (default 50 ms). */
  crdEstablishDelayMs?: number;
  /** How long controllers take to act on a change: workload status, claim binding (default 50 ms). */
  controllerDelayMs?: number;
  /** How long a Deployment with a broken image takes to report ProgressDeadlineExceeded. */
  progressDeadlineMs?: number;
  /**
   * Requests refused with 403 whatever RBAC says, even for `system:masters` (matched on the
   * request's verb, resource without subresource, and namespace; each field optional). A blunt
   * fault mode for "the agent may not …"; to model real permissions, use `users` or
   * `serviceAccounts` with RBAC objects instead.
   */
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

/** A user with a static token (see `KubeSimOptions.users`). */
export interface SimUserSpec {
  name: string;
  groups?: string[];
  /** Random when not given. */
  token?: string;
}

/** A service account with a token (see `KubeSimOptions.serviceAccounts`). */
export interface SimServiceAccountSpec {
  namespace: string;
  name: string;
  /** Random when not given. */
  token?: string;
}

/** How to be one user of the simulator. */
export interface SimCredentials {
  /** The user name the token authenticates as (`system:serviceaccount:<ns>:<name>` for a service account). */
  user: string;
  /** Its groups, `system:authenticated` included. */
  groups: string[];
  token: string;
  /** A kubeconfig for this user alone (default namespace `default`), removed by `stop()`. */
  kubeconfigPath: string;
}

/** The user the default token authenticates as. */
export const SUPERUSER = 'kubernetes-admin';

export interface KubeSim {
  url: string;
  /** The superuser's token (`kubernetes-admin`, `system:masters`), also in `kubeconfigPath`. */
  token: string;
  version: KubeVersion;
  kubeconfigPath: string;
  kubeconfigYaml: string;
  /** Every request, with the user it acted as (`user`, after impersonation). */
  requests: RecordedRequest[];
  resetRequests(): void;
  /** Issues a static token for another user (see `KubeSimOptions.users`). */
  addUser(user: SimUserSpec): SimCredentials;
  /** Issues a token of a service account, valid while that ServiceAccount exists (see `KubeSimOptions.serviceAccounts`). */
  addServiceAccountToken(namespace: string, name: string, token?: string): SimCredentials;
  /** The credentials of a user given in the options or added since, by user name (`kubernetes-admin` is the superuser's). */
  credentials(user: string): SimCredentials;
  countRequests(filter?: { verb?: string; method?: string; resource?: string }): number;
  injectFault(fault: FaultSpec): void;
  clearFaults(): void;
  /** Hears each request as its answer is decided, before it is sent (a fault injected then holds for the asker's next request); returns the unsubscribe. */
  onAnswer(listener: (request: RecordedRequest) => void): () => void;
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
    anonymous: options.anonymous ?? true,
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
  // kube-apiserver keeps an idle connection 90 s (its http.Server IdleTimeout); Node's default of
  // 5 s closed connections that clients were just reusing (ECONNRESET on a create after a pause).
  server.keepAliveTimeout = 90_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const url = `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`;
  const dir = mkdtempSync(join(tmpdir(), 'ferry-kube-sim-'));
  const kubeconfigYaml = kubeconfigFor(url, token, options.tls ? ca.toString('base64') : undefined);
  const kubeconfigPath = join(dir, 'kubeconfig');
  writeFileSync(kubeconfigPath, kubeconfigYaml);

  const issued = new Map<string, SimCredentials>();
  const credentialsOf = (user: { name: string; groups: string[] }, userToken: string): SimCredentials => {
    const path = join(dir, `kubeconfig-${issued.size + 1}`);
    writeFileSync(path, kubeconfigFor(url, userToken, options.tls ? ca.toString('base64') : undefined));
    const credentials = { user: user.name, groups: user.groups, token: userToken, kubeconfigPath: path };
    issued.set(user.name, credentials);
    return credentials;
  };
  const addUser = (spec: SimUserSpec) => {
    const userToken = spec.token ?? randomBytes(16).toString('hex');
    return credentialsOf(api.rbac.authenticator.issueStatic(userToken, spec.name, spec.groups), userToken);
  };
  const addServiceAccountToken = (namespace: string, name: string, given?: string) => {
    const userToken = given ?? randomBytes(16).toString('hex');
    return credentialsOf(api.rbac.authenticator.issueServiceAccount(userToken, namespace, name), userToken);
  };
  const superuser = api.rbac.authenticator.issueStatic(token, SUPERUSER, [SYSTEM_MASTERS]);
  issued.set(SUPERUSER, { user: SUPERUSER, groups: superuser.groups, token, kubeconfigPath });
  for (const user of options.users ?? []) addUser(user);
  for (const account of options.serviceAccounts ?? []) addServiceAccountToken(account.namespace, account.name, account.token);

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
    addUser,
    addServiceAccountToken,
    credentials: (user) => {
      const credentials = issued.get(user);
      if (!credentials) throw new Error(`simulator: no token was issued for ${user}`);
      return credentials;
    },
    countRequests: (filter = {}) =>
      api.requests.filter((r) => (!filter.verb || r.verb === filter.verb) && (!filter.method || r.method === filter.method) && (!filter.resource || r.resource === filter.resource)).length,
    injectFault: (fault) => api.injectFault(fault),
    clearFaults: () => api.clearFaults(),
    onAnswer: (listener) => api.onAnswer(listener),
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
