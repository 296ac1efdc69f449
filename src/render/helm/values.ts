import { parseAllDocuments } from 'yaml';
import { isJsonObject } from '../../objects.js';

/**
 * One layer of values on top of the chart's own values.yaml, in the order they are given:
 * valuesFiles first (those live in the tree and are named by path, not here), then every
 * HelmValues layer, then `--set`. Later layers win, maps are merged key by key, as Helm does.
 */
export interface HelmValues {
  /**
   * Where the values come from, as messages name it: `ConfigMap/shop/shop-values[values.yaml]`,
   * `spec.render.helm.values`, `--values prod.yaml`.
   */
  origin: string;
  /** YAML text (a ConfigMap key, a local file), or values as data (inline values). */
  content: string | Record<string, unknown>;
  /** Came from a Secret: never shown in a message, a log line or an error. */
  secret?: boolean;
}

/**
 * `{a: {b: value}}` for the dotted path `a.b`: a flat value (one key of a ConfigMap or Secret)
 * put at a place in the values, as Flux's `valuesFrom[].targetPath` does. `\.` is a literal dot.
 */
export function valuesAtPath(path: string, value: string): Record<string, unknown> {
  const keys = path.split(/(?<!\\)\./).map((key) => key.replace(/\\\./g, '.'));
  let result: unknown = value;
  for (const key of keys.reverse()) result = { [key]: result };
  return result as Record<string, unknown>;
}

/**
 * The strings of secret layers that must never reach a message: the whole text, each line, and
 * every scalar in it. Short ones (under 4 characters) are left, as the log scrubber leaves them.
 */
export function secretStringsOf(layers: readonly HelmValues[]): string[] {
  const strings = new Set<string>();
  const visit = (value: unknown): void => {
    if (typeof value === 'string' || typeof value === 'number') strings.add(String(value));
    else if (Array.isArray(value)) value.forEach(visit);
    else if (isJsonObject(value)) Object.values(value).forEach(visit);
  };
  for (const layer of layers) {
    if (!layer.secret) continue;
    if (typeof layer.content === 'string') {
      strings.add(layer.content.trim());
      for (const line of layer.content.split('\n')) strings.add(line.trim());
      for (const document of parseAllDocuments(layer.content)) {
        if (!('errors' in document) || document.errors.length === 0) visit(document.toJS());
      }
    } else {
      visit(layer.content);
    }
  }
  // Longest first, so a value that contains another is masked whole.
  return [...strings].filter((text) => text.length >= 4).sort((a, b) => b.length - a.length);
}
