import { isJsonObject } from '../objects.js';
import type { GeneratorOrigin } from './kustomization.js';
import type { ParsedDocument, Position } from './parse.js';

/** A document of one of the build's resource files. */
export interface ResourceDocument {
  file: string;
  document: ParsedDocument;
}

/** Where an object kustomize built came from: a file and line of the repository. */
export interface Origin {
  file: string;
  position: Position;
  /** The source document, when the object came from one (positions of its fields are found there). */
  document?: ParsedDocument;
}

/**
 * kustomize output carries no positions of its own: find the document among the build's
 * resources that has the object's kind and whose name is the object's name, or is contained in it
 * (kustomize adds prefixes, suffixes and hashes), preferring the longest such name; a generated
 * object points at its generator; anything else at the kustomization that built it.
 */
export function originOf(value: unknown, resources: readonly ResourceDocument[], generators: readonly GeneratorOrigin[], kustomization: string): Origin {
  const fallback: Origin = { file: kustomization, position: { line: 1, column: 1 } };
  const object = isJsonObject(value) ? value : undefined;
  const kind = typeof object?.kind === 'string' ? object.kind : undefined;
  const name = isJsonObject(object?.metadata) && typeof object.metadata.name === 'string' ? object.metadata.name : undefined;
  if (!kind || !name) return fallback;

  let best: { candidate: ResourceDocument; score: number } | undefined;
  for (const candidate of resources) {
    const source = candidate.document.value;
    if (!isJsonObject(source) || source.kind !== kind || !isJsonObject(source.metadata)) continue;
    const sourceName = source.metadata.name;
    if (typeof sourceName !== 'string' || sourceName === '' || !name.includes(sourceName)) continue;
    const score = sourceName === name ? Number.MAX_SAFE_INTEGER : sourceName.length;
    if (!best || score > best.score) best = { candidate, score };
  }
  if (best) {
    const { file, document } = best.candidate;
    return { file, position: document.locate(['metadata', 'name']) ?? { line: document.line, column: document.column }, document };
  }

  const generator = generators
    .filter((g) => g.kind === kind && name.includes(g.name))
    .sort((a, b) => b.name.length - a.name.length)[0];
  if (generator) return { file: generator.file, position: generator.document.locate(generator.path) ?? { line: 1, column: 1 } };
  return fallback;
}
