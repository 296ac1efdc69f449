import type { KubeObject, ObjectRef } from '../objects.js';
import { MANAGED_BY_LABEL, MANAGED_BY_VALUE } from '../well-known.js';
import type { AlertState } from './alert-state.js';

/** Alert state per GitSync (`namespace/name`), kept across agent restarts. */
export type AlertStates = Record<string, AlertState>;

export interface AlertStateStore {
  load(): Promise<AlertStates>;
  save(states: AlertStates): Promise<void>;
}

/** What the ConfigMap store needs from the Kubernetes gateway. */
export interface StateStoreClient {
  getOrNull(ref: ObjectRef): Promise<KubeObject | null>;
  create(object: KubeObject): Promise<KubeObject>;
  mergePatch(ref: ObjectRef, patch: Record<string, unknown>): Promise<KubeObject>;
}

const KEY = 'alerts.json';

/** Keeps alert state as JSON in one ConfigMap, so a restarted agent does not alert twice. */
export class ConfigMapStateStore implements AlertStateStore {
  constructor(
    private readonly client: StateStoreClient,
    private readonly namespace: string,
    private readonly name = 'ferry-notification-state',
  ) {}

  async load(): Promise<AlertStates> {
    const configMap = await this.client.getOrNull(this.ref());
    const text = (configMap?.data as Record<string, string> | undefined)?.[KEY];
    if (!text) return {};
    try {
      return JSON.parse(text) as AlertStates;
    } catch {
      return {};
    }
  }

  async save(states: AlertStates): Promise<void> {
    const data = { [KEY]: JSON.stringify(states) };
    const existing = await this.client.getOrNull(this.ref());
    if (existing) await this.client.mergePatch(this.ref(), { data });
    else await this.client.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: this.name, namespace: this.namespace, labels: { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE } }, data });
  }

  private ref(): ObjectRef {
    return { apiVersion: 'v1', kind: 'ConfigMap', namespace: this.namespace, name: this.name };
  }
}

/** In-process state, for the CLI and tests. */
export class MemoryStateStore implements AlertStateStore {
  private states: AlertStates = {};
  async load(): Promise<AlertStates> {
    return structuredClone(this.states);
  }
  async save(states: AlertStates): Promise<void> {
    this.states = structuredClone(states);
  }
}
