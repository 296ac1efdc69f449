/**
 * A Kubernetes API server simulator for tests: a real HTTP(S) server on 127.0.0.1 speaking the
 * kube-apiserver REST protocol, checked against the captured answers of a real server in
 * test/fixtures/kube-apiserver-1.19. See server.ts for what it implements.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BUILTIN_KINDS } from './kinds.js';
import { SimApiServer, type FaultSpec, type RecordedRequest } from './server.js';

export type { FaultSpec, RecordedRequest } from './server.js';

export interface KubeSimOptions {
  tls?: boolean;
  token?: string;
  crdEstablishDelayMs?: number;
  controllerDelayMs?: number;
  /** How long a Deployment with a broken image takes to report ProgressDeadlineExceeded. */
  progressDeadlineMs?: number;
  forbidden?: Array<{ verb?: string; resource?: string; namespace?: string }>;
}

export interface KubeSim {
  url: string;
  token: string;
  kubeconfigPath: string;
  kubeconfigYaml: string;
  requests: RecordedRequest[];
  resetRequests(): void;
  countRequests(filter?: { verb?: string; method?: string; resource?: string }): number;
  injectFault(fault: FaultSpec): void;
  clearFaults(): void;
  getObject(apiVersion: string, kind: string, name: string, namespace?: string): Record<string, any> | undefined;
  mutateObject(apiVersion: string, kind: string, name: string, namespace: string | undefined, mutate: (object: any) => void): void;
  deleteObject(apiVersion: string, kind: string, name: string, namespace?: string): void;
  stop(): Promise<void>;
}

const TLS_DIR = fileURLToPath(new URL('../tls/', import.meta.url));

export async function startKubeSim(options: KubeSimOptions = {}): Promise<KubeSim> {
  const token = options.token ?? randomBytes(16).toString('hex');
  const api = new SimApiServer({
    token,
    crdEstablishDelayMs: options.crdEstablishDelayMs ?? 50,
    controller: { delayMs: options.controllerDelayMs ?? 50, ...(options.progressDeadlineMs !== undefined ? { progressDeadlineMs: options.progressDeadlineMs } : {}) },
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

  const kindOf = (apiVersion: string, kind: string) => {
    const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
    const builtin = BUILTIN_KINDS.find((k) => k.group === group && k.version === version && k.kind === kind);
    if (builtin) return builtin;
    // A custom resource: storage is keyed by group and plural, found from the CRD.
    const crd = api.store.list({ group: 'apiextensions.k8s.io', plural: 'customresourcedefinitions' }).find((c) => c.spec.group === group && c.spec.names.kind === kind);
    if (!crd) throw new Error(`simulator: unknown kind ${apiVersion}/${kind}`);
    return { group: group as string, plural: crd.spec.names.plural as string };
  };

  return {
    url,
    token,
    kubeconfigPath,
    kubeconfigYaml,
    requests: api.requests,
    resetRequests: () => void api.requests.splice(0),
    countRequests: (filter = {}) =>
      api.requests.filter((r) => (!filter.verb || r.verb === filter.verb) && (!filter.method || r.method === filter.method) && (!filter.resource || r.resource === filter.resource)).length,
    injectFault: (fault) => api.injectFault(fault),
    clearFaults: () => api.clearFaults(),
    getObject: (apiVersion, kind, name, namespace) => {
      const object = api.store.get(kindOf(apiVersion, kind), namespace, name);
      return object ? structuredClone(object) : undefined;
    },
    mutateObject: (apiVersion, kind, name, namespace, mutate) => {
      const simKind = kindOf(apiVersion, kind);
      const object = api.store.get(simKind, namespace, name);
      if (!object) throw new Error(`simulator: ${kind}/${namespace ?? ''}/${name} does not exist`);
      const next = structuredClone(object);
      mutate(next);
      next.metadata.resourceVersion = api.store.nextResourceVersion();
      const specBefore = JSON.stringify({ ...object, metadata: undefined, status: undefined });
      const specAfter = JSON.stringify({ ...next, metadata: undefined, status: undefined });
      if (next.metadata.generation !== undefined && specBefore !== specAfter) next.metadata.generation += 1;
      api.store.put(simKind, next);
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
