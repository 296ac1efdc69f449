import { createHash } from 'node:crypto';
import { LineCounter, isScalar, parse, parseAllDocuments, type Document, type DocumentOptions, type ParseOptions, type SchemaOptions } from 'yaml';
import type { RenderProblem } from './errors.js';
import type { FieldPath } from './field-path.js';

/** Limits that keep a hostile or broken repository from exhausting the agent. */
export interface ParseLimits {
  /** Alias expansions per document (a billion-laughs bomb fails fast). */
  maxAliasCount: number;
  /** Documents per file. */
  maxDocuments: number;
}

export const DEFAULT_PARSE_LIMITS: ParseLimits = { maxAliasCount: 100, maxDocuments: 10_000 };

/**
 * Which YAML rules a text is read with: `1.1` is how kubectl reads manifests (go-yaml v2:
 * `yes` is true, `0755` is octal), `1.2` how kustomize writes its output (go-yaml v3) and JSON.
 */
export type YamlVersion = '1.1' | '1.2';

/** A line and column in a file, both 1-based. */
export interface Position {
  line: number;
  column: number;
}

/** One YAML document (or one item of a List) with where it starts and a way to find any field. */
export interface ParsedDocument {
  value: unknown;
  line: number;
  column: number;
  /** The rules the document was read with (a substituted plain scalar is re-read with them). */
  yaml: YamlVersion;
  /** Where the value at `path` (keys and list indexes from the object's root) is written, if it is. */
  locate(path: FieldPath): Position | undefined;
  /** True when the scalar at `path` is written unquoted, so its type comes from its text. */
  isPlainScalar(path: FieldPath): boolean;
}

export interface ParsedFile {
  documents: ParsedDocument[];
  problems: RenderProblem[];
}

export interface ParseFileOptions {
  limits?: ParseLimits;
  /** A content id (the Git blob id) that spares hashing the content for the parse cache. */
  cacheKey?: string;
  /** Default: `1.2` for `.json` files, `1.1` for everything else. */
  yaml?: YamlVersion;
}

/** What the cache keeps of a parsed file: plain data only, positions rebuilt on demand. */
interface CachedFile {
  text: string;
  yaml: YamlVersion;
  documents: Array<{ value: unknown; line: number; column: number; index: number; prefix: Array<string | number> }>;
  problems: RenderProblem[];
}

/** Parsed files by content hash: YAML parsing is slow and most polls see the same blobs. */
const cache = new Map<string, CachedFile>();
const CACHE_LIMIT = 20_000;

/**
 * Parses a manifest file the way kubectl reads it (YAML 1.1: `yes` is true, `0755` is octal;
 * merge keys; timestamps and `12:30` stay strings, as go-yaml v2 keeps them), with duplicate keys
 * and tab indentation as errors, and `List` kinds flattened into their items.
 */
export function parseManifestFile(path: string, content: Buffer, options: ParseFileOptions = {}): ParsedFile {
  const limits = options.limits ?? DEFAULT_PARSE_LIMITS;
  const yaml = options.yaml ?? (path.endsWith('.json') ? '1.2' : '1.1');
  const key = `${options.cacheKey ?? createHash('sha1').update(content).digest('hex')}:${path}:${yaml}:${limits.maxAliasCount}:${limits.maxDocuments}`;
  let parsed = cache.get(key);
  if (!parsed) {
    parsed = parseUncached(path, content, limits, yaml);
    if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value as string);
    cache.set(key, parsed);
  }
  const ast = lazyAst(parsed.text, yaml);
  return {
    problems: parsed.problems.map((problem) => ({ ...problem })),
    documents: parsed.documents.map((document) => ({
      value: structuredClone(document.value),
      line: document.line,
      column: document.column,
      yaml,
      locate: (at) => ast.position(document.index, [...document.prefix, ...at]),
      isPlainScalar: (at) => ast.isPlain(document.index, [...document.prefix, ...at]),
    })),
  };
}

/**
 * Re-reads the text a variable put into a plain scalar as YAML would have read it there
 * (`replicas: ${REPLICAS}` becomes a number, as it does with Flux), keeping it a string unless
 * it is a number, a boolean or null.
 */
export function resolvePlainScalar(text: string, yaml: YamlVersion): unknown {
  try {
    const value: unknown = parse(text, parseOptions(yaml));
    return typeof value === 'number' || typeof value === 'boolean' || value === null ? value : text;
  } catch {
    return text;
  }
}

function parseOptions(yaml: YamlVersion): ParseOptions & DocumentOptions & SchemaOptions {
  return {
    version: yaml,
    merge: yaml === '1.1',
    uniqueKeys: true,
    // go-yaml v2 (kubectl) reads neither timestamps nor sexagesimal numbers (`12:30` → 750).
    customTags: (tags) => tags.filter((tag) => {
      const { tag: name, format } = tag as { tag?: string; format?: string };
      return name !== 'tag:yaml.org,2002:timestamp' && format !== 'TIME';
    }),
  };
}

function parseUncached(path: string, content: Buffer, limits: ParseLimits, yaml: YamlVersion): CachedFile {
  const problem = (code: string, line: number, column: number, message: string): RenderProblem => ({ code, file: path, line, column, message });
  let text: string;
  try {
    if (content.includes(0)) throw new Error('NUL byte');
    text = new TextDecoder('utf-8', { fatal: true }).decode(content);
  } catch {
    return { text: '', yaml, documents: [], problems: [problem('RENDER_BINARY_FILE', 1, 1, 'binary file (not UTF-8 text): not a manifest')] };
  }
  const lineCounter = new LineCounter();
  const parsed = parseAllDocuments(text, { ...parseOptions(yaml), lineCounter });
  const list = Array.isArray(parsed) ? parsed : [];
  const result: CachedFile = { text, yaml, documents: [], problems: [] };
  if (list.length > limits.maxDocuments) {
    return { ...result, problems: [problem('RENDER_TOO_MANY_DOCUMENTS', 1, 1, `${list.length} documents in one file; the limit is ${limits.maxDocuments}`)] };
  }
  list.forEach((document, index) => {
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
      return;
    }
    if (document.contents === null) return;
    const start = lineCounter.linePos(document.contents.range?.[0] ?? 0);
    let value: unknown;
    try {
      value = document.toJS({ maxAliasCount: limits.maxAliasCount });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const code = /alias/i.test(message) ? 'RENDER_YAML_ALIAS_LIMIT' : 'RENDER_YAML_SYNTAX';
      result.problems.push(problem(code, start.line, start.col, code === 'RENDER_YAML_ALIAS_LIMIT' ? `too many alias expansions (limit ${limits.maxAliasCount}): refusing a possible YAML bomb` : firstLine(message)));
      return;
    }
    if (value === null || value === undefined) return;
    const items = listItems(value);
    if (items) {
      items.forEach((item, itemIndex) => {
        const at = lineCounter.linePos(nodeAt(document, ['items', itemIndex])?.range?.[0] ?? document.contents?.range?.[0] ?? 0);
        result.documents.push({ value: item, line: at.line, column: at.col, index, prefix: ['items', itemIndex] });
      });
      return;
    }
    result.documents.push({ value, line: start.line, column: start.col, index, prefix: [] });
  });
  return result;
}

/**
 * The syntax tree of a file, built only when a position is asked for (an error or a warning to
 * report, a substituted scalar): most renders never need one, and trees are large.
 */
function lazyAst(text: string, yaml: YamlVersion) {
  let built: { documents: Document[]; lineCounter: LineCounter } | undefined;
  const load = () => {
    if (!built) {
      const lineCounter = new LineCounter();
      const documents = parseAllDocuments(text, { ...parseOptions(yaml), lineCounter });
      built = { documents: Array.isArray(documents) ? documents : [], lineCounter };
    }
    return built;
  };
  return {
    position(index: number, path: FieldPath): Position | undefined {
      const { documents, lineCounter } = load();
      const document = documents[index];
      const node = document ? nodeAt(document, path) : undefined;
      if (!node?.range) return undefined;
      const at = lineCounter.linePos(node.range[0]);
      return { line: at.line, column: at.col };
    },
    isPlain(index: number, path: FieldPath): boolean {
      const document = load().documents[index];
      const node = document ? nodeAt(document, path) : undefined;
      return isScalar(node) && node.type === 'PLAIN';
    },
  };
}

function nodeAt(document: Document, path: FieldPath): { range?: [number, number, number] | null } | undefined {
  try {
    const node = document.getIn([...path], true) as { range?: [number, number, number] | null } | undefined | null;
    return node ?? undefined;
  } catch {
    return undefined; // a path through an alias or a scalar
  }
}

/** The items of a `List` (kind `List` or `<Kind>List` with an items array). */
function listItems(value: unknown): unknown[] | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const record = value as Record<string, unknown>;
  if (typeof record.kind === 'string' && record.kind.endsWith('List') && Array.isArray(record.items) && !('spec' in record)) return record.items;
  return undefined;
}

function firstLine(message: string): string {
  return (message.split('\n')[0] ?? message).replace(/ at line \d+, column \d+:?$/, '');
}
