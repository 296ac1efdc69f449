/** The simulator's storage: objects by resource and name, and the global resourceVersion. */
import type { SimKind } from './kinds.js';

type Obj = Record<string, any>;

export class Store {
  private readonly objects = new Map<string, Obj>();
  private revision = 100;

  nextResourceVersion(): string {
    this.revision += 1;
    return String(this.revision);
  }

  get currentResourceVersion(): string {
    return String(this.revision);
  }

  key(kind: Pick<SimKind, 'group' | 'plural'>, namespace: string | undefined, name: string): string {
    return `${kind.group}/${kind.plural}/${namespace ?? ''}/${name}`;
  }

  get(kind: Pick<SimKind, 'group' | 'plural'>, namespace: string | undefined, name: string): Obj | undefined {
    return this.objects.get(this.key(kind, namespace, name));
  }

  put(kind: Pick<SimKind, 'group' | 'plural'>, object: Obj): void {
    this.objects.set(this.key(kind, object.metadata.namespace, object.metadata.name), object);
  }

  remove(kind: Pick<SimKind, 'group' | 'plural'>, namespace: string | undefined, name: string): boolean {
    return this.objects.delete(this.key(kind, namespace, name));
  }

  /** Objects of one resource, optionally in one namespace, sorted by namespace then name. */
  list(kind: Pick<SimKind, 'group' | 'plural'>, namespace?: string): Obj[] {
    const prefix = `${kind.group}/${kind.plural}/${namespace === undefined ? '' : `${namespace}/`}`;
    return [...this.objects.entries()]
      .filter(([key]) => key.startsWith(prefix))
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, object]) => object);
  }

  /** Removes every namespaced object in `namespace`. */
  removeNamespace(namespace: string): void {
    for (const [key, object] of this.objects) if (object.metadata.namespace === namespace) this.objects.delete(key);
  }

  /** Removes every object of a resource (a deleted CRD's custom resources). */
  removeResource(kind: Pick<SimKind, 'group' | 'plural'>): void {
    const prefix = `${kind.group}/${kind.plural}/`;
    for (const key of [...this.objects.keys()]) if (key.startsWith(prefix)) this.objects.delete(key);
  }
}
