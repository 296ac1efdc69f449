/**
 * Unknown and duplicate fields, as the server's decoder finds them: a field the schema does not
 * name is dropped (and reported, for `fieldValidation=Warn` or `Strict`); a key given twice in the
 * request body keeps its last value. Paths are written the way the server writes them in
 * `unknown field "spec.template.spec.containers[0].imagePullPolice"`.
 */
import type { SchemaView } from './schema.js';

type Obj = Record<string, any>;

function isPlainObject(value: unknown): value is Obj {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

/**
 * A copy of `value` without the fields `view` does not know, and the paths of what was dropped
 * (document order). Known fields set to null are dropped too, silently: a built-in kind decodes
 * null as the field's zero value, and a custom resource prunes nulls its schema does not allow.
 */
export function dropUnknownFields(value: unknown, view: SchemaView | undefined): { value: unknown; unknown: string[] } {
  const unknown: string[] = [];
  return { value: prune(value, view, '', unknown), unknown };
}

function prune(value: unknown, view: SchemaView | undefined, path: string, unknown: string[]): unknown {
  if (!view || value === null) return value;
  switch (view.shape) {
    case 'list':
      return Array.isArray(value) ? value.map((item, index) => prune(item, view.items, `${path}[${index}]`, unknown)) : value;
    case 'map': {
      if (!isPlainObject(value)) return value;
      const element = view.element;
      return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, prune(inner, element, join(path, key), unknown)]));
    }
    case 'struct': {
      if (!isPlainObject(value)) return value;
      const result: Obj = {};
      for (const [key, inner] of Object.entries(value)) {
        const field = view.field(key);
        if (!field) {
          if (view.preservesUnknownFields) result[key] = inner;
          else unknown.push(join(path, key));
          continue;
        }
        if (inner === null && !field.nullable) continue;
        result[key] = prune(inner, field, join(path, key), unknown);
      }
      return result;
    }
    default:
      return value;
  }
}

/** Keys that occur more than once in one object of a JSON text, by path, in document order. */
export function findDuplicateFields(text: string): string[] {
  const duplicates: string[] = [];
  let at = 0;
  const skipSpace = () => {
    while (at < text.length && ' \t\n\r'.includes(text[at] as string)) at++;
  };
  const readString = (): string => {
    const start = at;
    at++; // opening quote
    while (text[at] !== '"') at += text[at] === '\\' ? 2 : 1;
    at++;
    return JSON.parse(text.slice(start, at)) as string;
  };
  const readValue = (path: string): void => {
    skipSpace();
    const char = text[at];
    if (char === '{') {
      at++;
      const seen = new Set<string>();
      skipSpace();
      if (text[at] === '}') {
        at++;
        return;
      }
      for (;;) {
        skipSpace();
        const key = readString();
        const keyPath = join(path, key);
        if (seen.has(key) && !duplicates.includes(keyPath)) duplicates.push(keyPath);
        seen.add(key);
        skipSpace();
        at++; // colon
        readValue(keyPath);
        skipSpace();
        if (text[at++] === '}') return;
      }
    }
    if (char === '[') {
      at++;
      skipSpace();
      if (text[at] === ']') {
        at++;
        return;
      }
      for (let index = 0; ; index++) {
        readValue(`${path}[${index}]`);
        skipSpace();
        if (text[at++] === ']') return;
      }
    }
    if (char === '"') {
      readString();
      return;
    }
    while (at < text.length && !',}] \t\n\r'.includes(text[at] as string)) at++;
  };
  readValue('');
  return duplicates;
}
