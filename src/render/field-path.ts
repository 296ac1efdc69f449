/** A field of an object: map keys and list indexes from its root (`['spec', 'containers', 0, 'image']`). */
export type FieldPath = ReadonlyArray<string | number>;

/**
 * `spec.containers[0].image`, with keys that are not plain names in brackets
 * (`data[dashboard.json]`, `metadata.labels[app.kubernetes.io/name]`), as Kubernetes prints
 * field paths in its validation errors.
 */
export function formatFieldPath(path: FieldPath): string {
  let text = '';
  for (const segment of path) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else if (/^[A-Za-z_$][A-Za-z0-9_$-]*$/.test(segment)) text += text ? `.${segment}` : segment;
    else text += `[${segment}]`;
  }
  return text;
}
