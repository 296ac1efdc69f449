import { createHash } from 'node:crypto';
import { LineCounter, parseAllDocuments, isMap, isSeq, type Document } from 'yaml';
import type { RenderProblem } from './errors.js';

/** Limits that keep a hostile or broken repository from exhausting the agent. */
export interface ParseLimits {
  /** Alias expansions per document (a billion-laughs bomb fails fast). */
  maxAliasCount: number;
  /** Documents per file. */
  maxDocuments: number;
}

export const DEFAULT_PARSE_LIMITS: ParseLimits = { maxAliasCount: 100, maxDocuments: 10_000 };

/** One YAML document (or one item of a List) with where it starts and where key fields are. */
export interface ParsedDocument {
  value: unknown;
  line: number;
  column: number;
  /** Positions of `apiVersion`, `kind`, `metadata.name`, `metadata.namespace` when present. */
  fields: Record<string, { line: number; column: number }>;
}

export interface ParsedFile {
  documents: ParsedDocument[];
  problems: RenderProblem[];
}

const FIELD_PATHS: Array<[string, string[]]> = [
  ['apiVersion', ['apiVersion']],
  ['kind', ['kind']],
  ['metadata.name', ['metadata', 'name']],
  ['metadata.namespace', ['metadata', 'namespace']],
];

/** Parsed files by content hash: YAML parsing is slow and most polls see the same blobs. */
const cache = new Map<string, ParsedFile>();
const CACHE_LIMIT = 20_000;

/**
 * Parses a manifest file the way kubectl reads it (YAML 1.1: `yes` is true, `0755` is octal;
 * merge keys; timestamps stay strings), with duplicate keys and tab indentation as errors, and
 * `List` kinds flattened into their items.
 */
export function parseManifestFile(path: string, content: Buffer, limits: ParseLimits = DEFAULT_PARSE_LIMITS, cacheKey?: string): ParsedFile {
  const key = `${cacheKey ?? createHash('sha1').update(content).digest('hex')}:${path}:${limits.maxAliasCount}:${limits.maxDocuments}`;
  const cached = cache.get(key);
  if (cached) return structuredClone(cached);
  const parsed = parseUncached(path, content, limits);
  if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value as string);
  cache.set(key, parsed);
  return structuredClone(parsed);
}

function parseUncached(path: string, content: Buffer, limits: ParseLimits): ParsedFile {
  const problem = (code: string, line: number, column: number, message: string): RenderProblem => ({ code, file: path, line, column, message });
  let text: string;
  try {
    if (content.includes(0)) throw new Error('NUL byte');
    text = new TextDecoder('utf-8', { fatal: true }).decode(content);
  } catch {
    return { documents: [], problems: [problem('RENDER_BINARY_FILE', 1, 1, 'binary file (not UTF-8 text): not a manifest')] };
  }
  const lineCounter = new LineCounter();
  const json = path.endsWith('.json');
  const documents = parseAllDocuments(text, {
    version: json ? '1.2' : '1.1',
    merge: !json,
    uniqueKeys: true,
    lineCounter,
    customTags: (tags) => tags.filter((tag) => (tag as { tag?: string }).tag !== 'tag:yaml.org,2002:timestamp'),
  });
  const list = Array.isArray(documents) ? documents : [documents];
  if (list.length > limits.maxDocuments) {
    return { documents: [], problems: [problem('RENDER_TOO_MANY_DOCUMENTS', 1, 1, `${list.length} documents in one file; the limit is ${limits.maxDocuments}`)] };
  }
  const result: ParsedFile = { documents: [], problems: [] };
  for (const document of list) {
    if (document.errors.length > 0) {
      const reported = new Set<string>();
      for (const error of document.errors) {
        const position = error.linePos?.[0] ?? { line: 1, col: 1 };
        const code = error.code === 'DUPLICATE_KEY' ? 'RENDER_DUPLICATE_KEY' : error.code === 'TAB_AS_INDENT' ? 'RENDER_YAML_TAB' : 'RENDER_YAML_SYNTAX';
        // The parser often reports one mistake twice at the same place: say it once.
        if (reported.has(`${code}:${position.line}`)) continue;
        reported.add(`${code}:${position.line}`);
        result.problems.push(problem(code, position.line, position.col, firstLine(error.message)));
      }
      continue;
    }
    if (document.contents === null) continue;
    const start = lineCounter.linePos(document.contents.range?.[0] ?? 0);
    let value: unknown;
    try {
      value = document.toJS({ maxAliasCount: limits.maxAliasCount });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const code = /alias/i.test(message) ? 'RENDER_YAML_ALIAS_LIMIT' : 'RENDER_YAML_SYNTAX';
      result.problems.push(problem(code, start.line, start.col, code === 'RENDER_YAML_ALIAS_LIMIT' ? `too many alias expansions (limit ${limits.maxAliasCount}): refusing a possible YAML bomb` : firstLine(message)));
      continue;
    }
    if (value === null || value === undefined) continue;
    const items = listItems(value);
    if (items) {
      items.forEach((item, index) => {
        const node = document.getIn(['items', index], true) as { range?: [number, number, number] } | undefined;
        const at = lineCounter.linePos(node?.range?.[0] ?? document.contents?.range?.[0] ?? 0);
        result.documents.push({ value: item, line: at.line, column: at.col, fields: fieldPositions(document, lineCounter, ['items', index]) });
      });
      continue;
    }
    result.documents.push({ value, line: start.line, column: start.col, fields: fieldPositions(document, lineCounter, []) });
  }
  return result;
}

/** The items of a `List` (kind `List` or `<Kind>List` with an items array). */
function listItems(value: unknown): unknown[] | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const record = value as Record<string, unknown>;
  if (typeof record.kind === 'string' && record.kind.endsWith('List') && Array.isArray(record.items) && !('spec' in record)) return record.items;
  return undefined;
}

function fieldPositions(document: Document, lineCounter: LineCounter, prefix: Array<string | number>): ParsedDocument['fields'] {
  const fields: ParsedDocument['fields'] = {};
  const root = prefix.length ? document.getIn(prefix, true) : document.contents;
  if (!isMap(root) && !isSeq(root)) return fields;
  for (const [name, path] of FIELD_PATHS) {
    const node = document.getIn([...prefix, ...path], true) as { range?: [number, number, number] } | undefined;
    if (node?.range) {
      const at = lineCounter.linePos(node.range[0]);
      fields[name] = { line: at.line, column: at.col };
    }
  }
  return fields;
}

function firstLine(message: string): string {
  return (message.split('\n')[0] ?? message).replace(/ at line \d+, column \d+:?$/, '');
}
