import { stringify } from 'yaml';
import type { KubeObject, ObjectRef } from '../objects.js';
import { formatRef, isJsonObject } from '../objects.js';
import { MASK, isCredentialKey } from '../log/index.js';
import type { DiffAction, JsonPatchOperation, ObjectDiff } from './diff-object.js';
import { diffLines, unifiedHunks } from './line-diff.js';
import { normalizeObject } from './normalize.js';

const CHANGED_MASK = `${MASK} (changed)`;

/**
 * A unified YAML diff of one object (live → target), the way `kubectl diff` shows it. Secret
 * values are masked: `***` where unchanged, `*** (changed)` where Git changes them.
 */
export function formatDiff(diff: ObjectDiff, options: { color?: boolean; context?: number; maxLines?: number } = {}): string {
  const [before, after] = maskedPair(diff.live ? normalizeObject(diff.live) : undefined, diff.action === 'delete' ? undefined : diff.target ? normalizeObject(diff.target) : undefined);
  const toLines = (object: unknown) => (object === undefined ? [] : stringify(headFirst(object), { lineWidth: 0 }).trimEnd().split('\n'));
  const lineDiff = diffLines(toLines(before), toLines(after));
  const hunks = unifiedHunks(lineDiff.lines, { context: options.context ?? 3, ...(options.maxLines !== undefined ? { maxLines: options.maxLines } : {}) });
  const title = `${formatRef(diff.ref)} (${diff.action})`;
  const header = [`--- live/${formatRef(diff.ref)}`, `+++ git/${formatRef(diff.ref)}`];
  if (!lineDiff.exact) header.unshift('# too many changed lines to align: the changed part is shown removed and added as a whole');
  const paint = (line: string) => {
    if (!options.color) return line;
    if (line.startsWith('+')) return `\u001b[32m${line}\u001b[0m`;
    if (line.startsWith('-')) return `\u001b[31m${line}\u001b[0m`;
    if (line.startsWith('@@')) return `\u001b[36m${line}\u001b[0m`;
    return line;
  };
  return `${[`# ${title}`, ...header, ...hunks].map(paint).join('\n')}\n`;
}

/**
 * apiVersion, kind and metadata first, as kubectl prints an object: the order of the keys of a
 * live object depends on how it was read (a GET, a watch event, an apply's answer), and a diff
 * must not move lines because of that.
 */
function headFirst(object: unknown): unknown {
  if (!isJsonObject(object)) return object;
  const { apiVersion, kind, metadata, ...rest } = object;
  return { ...(apiVersion !== undefined ? { apiVersion } : {}), ...(kind !== undefined ? { kind } : {}), ...(metadata !== undefined ? { metadata } : {}), ...rest };
}

/** The machine form of a diff, with Secret values masked in the patch. */
export function diffToJson(diff: ObjectDiff): { ref: ObjectRef; action: DiffAction; paths: string[]; patch: JsonPatchOperation[] } {
  const secret = diff.ref.kind === 'Secret';
  return {
    ref: diff.ref,
    action: diff.action,
    paths: diff.paths,
    patch: diff.patch.map((op) => (secret && op.value !== undefined && isSecretValuePath(op.path) ? { ...op, value: maskValue(op.value) } : op)),
  };
}

/** Counts, and the summary line: "2 to create, 1 to change, 0 to delete, 5 unchanged". */
export function summarizeDiffs(diffs: ObjectDiff[]): { create: number; change: number; delete: number; unchanged: number; line: string } {
  const count = (action: DiffAction) => diffs.filter((d) => d.action === action).length;
  const summary = { create: count('create'), change: count('changed'), delete: count('delete'), unchanged: count('unchanged') };
  return { ...summary, line: `${summary.create} to create, ${summary.change} to change, ${summary.delete} to delete, ${summary.unchanged} unchanged` };
}

/** True for patch paths that carry Secret values (data, stringData, credential-like annotations). */
function isSecretValuePath(path: string): boolean {
  if (/^\/(data|stringData)(\/|$)/.test(path)) return true;
  const annotation = /^\/metadata\/annotations\/(.+)$/.exec(path);
  return Boolean(annotation && isCredentialKey((annotation[1] as string).replace(/~1/g, '/')));
}

function maskValue(value: unknown): unknown {
  if (isJsonObject(value)) return Object.fromEntries(Object.keys(value).map((key) => [key, MASK]));
  return MASK;
}

/** Secret copies for display: values replaced, changed ones marked, keys kept. */
function maskedPair(live: KubeObject | undefined, target: KubeObject | undefined): [unknown, unknown] {
  const secret = (live ?? target)?.kind === 'Secret';
  if (!secret) return [live, target];
  const mask = (object: KubeObject | undefined, other: KubeObject | undefined, changedMark: boolean) => {
    if (!object) return undefined;
    const copy = structuredClone(object) as Record<string, unknown>;
    for (const field of ['data', 'stringData']) {
      const values = copy[field];
      const otherValues = other ? (other as Record<string, unknown>)[field] : undefined;
      if (!isJsonObject(values)) continue;
      copy[field] = Object.fromEntries(
        Object.entries(values).map(([key, value]) => [
          key,
          changedMark && (!isJsonObject(otherValues) || otherValues[key] !== value) ? CHANGED_MASK : MASK,
        ]),
      );
    }
    const metadata = copy.metadata as Record<string, unknown>;
    if (isJsonObject(metadata?.annotations)) {
      const otherAnnotations = (other?.metadata.annotations ?? {}) as Record<string, string>;
      metadata.annotations = Object.fromEntries(
        Object.entries(metadata.annotations).map(([key, value]) =>
          isCredentialKey(key) ? [key, changedMark && otherAnnotations[key] !== value ? CHANGED_MASK : MASK] : [key, value],
        ),
      );
    }
    return copy;
  };
  return [mask(live, target, false), mask(target, live, true)];
}
