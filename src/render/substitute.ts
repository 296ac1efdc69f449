/**
 * `${VAR}` substitution applied to the string values of rendered objects (never to YAML text, so
 * a value cannot break the document's structure): `${VAR}`, `${VAR:=default}`, and `$${VAR}` for a
 * literal `${VAR}`. In strict mode an unset variable without a default is an error.
 */
const PATTERN = /\$(\$?)\{([A-Za-z_][A-Za-z0-9_]*)(?::=([^}]*))?\}/g;

export interface SubstitutionResult<T> {
  value: T;
  /** Variables that were unset and had no default, with the field path where they appear. */
  missing: Array<{ variable: string; path: string }>;
}

export function substituteVariables<T>(value: T, variables: Record<string, string>, path = ''): SubstitutionResult<T> {
  const missing: SubstitutionResult<T>['missing'] = [];
  const walk = (node: unknown, at: string): unknown => {
    if (typeof node === 'string') {
      if (!node.includes('${')) return node;
      return node.replace(PATTERN, (whole, escape: string, name: string, fallback: string | undefined) => {
        if (escape) return whole.slice(1);
        const found = variables[name];
        if (found !== undefined) return found;
        if (fallback !== undefined) return fallback;
        missing.push({ variable: name, path: at });
        return whole;
      });
    }
    if (Array.isArray(node)) return node.map((item, i) => walk(item, `${at}[${i}]`));
    if (node && typeof node === 'object') {
      return Object.fromEntries(Object.entries(node).map(([key, inner]) => [key, walk(inner, at ? `${at}.${key}` : key)]));
    }
    return node;
  };
  return { value: walk(value, path) as T, missing };
}
