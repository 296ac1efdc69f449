/**
 * What the sync specs share: a directory standing in for a commit, settings as a GitSync with
 * defaults would give them, and manifests in the shapes real repositories hold.
 */
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { DEFAULT_SETTINGS, type SyncSettings } from '../../src/sync/index.js';

const dirs: string[] = [];

/** A directory holding the given manifests: what a commit would hold. */
export function revision(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'ferry-rev-'));
  dirs.push(dir);
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  return dir;
}

/** Removes every directory revision() made. */
export function removeRevisions(): void {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

export function settings(namespace: string, dir: string, overrides: Partial<SyncSettings> = {}): SyncSettings {
  return {
    namespace,
    name: 'app',
    source: { type: 'directory', dir, path: '.' },
    renderType: 'auto',
    substitute: {},
    substituteFrom: [],
    targetNamespace: namespace,
    prune: true,
    selfHeal: true,
    suspend: false,
    force: false,
    healthTimeoutMs: 5_000,
    rollback: true,
    historyLimit: 10,
    ignore: [],
    intervalMs: DEFAULT_SETTINGS.intervalMs,
    notify: [],
    ...overrides,
  };
}

export const configMap = (name: string, data: Record<string, string>) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n${Object.entries(data).map(([k, v]) => `  ${k}: "${v}"`).join('\n')}\n`;

export const deployment = (name: string, image: string, config = 'web-config') => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
spec:
  replicas: 2
  selector:
    matchLabels: {app: ${name}}
  template:
    metadata:
      labels: {app: ${name}}
    spec:
      containers:
      - name: ${name}
        image: ${image}
        envFrom: [{configMapRef: {name: ${config}}}]
`;
