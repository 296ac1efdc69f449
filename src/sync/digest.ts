import { createHash } from 'node:crypto';
import type { KubeObject } from '../objects.js';
import { canonicalJson } from '../objects.js';

/** A stable hash of the rendered objects, independent of their order. */
export function digestOf(objects: KubeObject[]): string {
  const hashes = objects.map((object) => createHash('sha256').update(canonicalJson(object)).digest('hex')).sort();
  return `sha256:${createHash('sha256').update(hashes.join('\n')).digest('hex').slice(0, 16)}`;
}
