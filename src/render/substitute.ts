import type { FieldPath } from './field-path.js';

/**
 * `${VAR}` substitution, opt-in as Flux's `postBuild` is, applied to the string values of
 * rendered objects (never to YAML text, so a value cannot break the document's structure).
 *
 * Only `${NAME}` with an identifier name is a variable; everything else that looks like one
 * (`${1}`, `${#ARR[@]}`, `${VAR%.*}`, `$VAR`, `{{ $value }}`) is left as written. The envsubst
 * forms Flux users write are understood:
 *
 * | form            | gives                                                  |
 * | --------------- | ------------------------------------------------------ |
 * | `${VAR}`        | VAR's value; unset is an error                         |
 * | `${VAR:-word}`  | word when VAR is unset or empty, else VAR              |
 * | `${VAR:=word}`  | the same (nothing is assigned: values are per object)  |
 * | `${VAR:+word}`  | word when VAR is set and not empty, else nothing       |
 * | `${VAR-word}`, `${VAR=word}`, `${VAR+word}` | as above, testing only "unset"   |
 * | `$${VAR}`       | the literal text `${VAR}`                              |
 */
const EXPRESSION = /\$(\$?)\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-=+])([^}]*))?\}/g;
const WHOLE_EXPRESSION = /^\$\{[A-Za-z_][A-Za-z0-9_]*(?::?[-=+][^}]*)?\}$/;

export interface UnsetVariable {
  variable: string;
  /** The field whose value names it. */
  path: FieldPath;
}

export interface SubstitutionResult<T> {
  value: T;
  /** Variables that were unset and had no default, with the field where each appears. */
  unset: UnsetVariable[];
}

export interface SubstituteOptions {
  /**
   * Called when a whole string value was one variable (`replicas: ${REPLICAS}`): returns what the
   * value becomes, so a plain YAML scalar can take the type its new text has.
   */
  retype?: (path: FieldPath, text: string) => unknown;
}

/** Substitutes every string value (not keys) of `value`, returning a new value. */
export function substituteVariables<T>(value: T, variables: Readonly<Record<string, string>>, options: SubstituteOptions = {}): SubstitutionResult<T> {
  const unset: UnsetVariable[] = [];
  const walk = (node: unknown, path: Array<string | number>): unknown => {
    if (typeof node === 'string') {
      if (!node.includes('${')) return node;
      const result = substituteString(node, variables);
      for (const variable of result.unset) unset.push({ variable, path: [...path] });
      if (result.text !== node && result.unset.length === 0 && options.retype && WHOLE_EXPRESSION.test(node)) return options.retype(path, result.text);
      return result.text;
    }
    if (Array.isArray(node)) return node.map((item, index) => walk(item, [...path, index]));
    if (node && typeof node === 'object') {
      return Object.fromEntries(Object.entries(node).map(([key, inner]) => [key, walk(inner, [...path, key])]));
    }
    return node;
  };
  return { value: walk(value, []) as T, unset };
}

/** Substitutes one string; `unset` names the variables that had neither a value nor a default. */
export function substituteString(text: string, variables: Readonly<Record<string, string>>): { text: string; unset: string[] } {
  const unset: string[] = [];
  const out = text.replace(EXPRESSION, (whole: string, escape: string, name: string, operator: string | undefined, word: string | undefined) => {
    if (escape) return whole.slice(1);
    const value = Object.hasOwn(variables, name) ? variables[name] : undefined;
    const isSet = value !== undefined;
    const isFilled = isSet && value !== '';
    switch (operator) {
      case ':-':
      case ':=':
        return isFilled ? value : (word ?? '');
      case '-':
      case '=':
        return isSet ? value : (word ?? '');
      case ':+':
        return isFilled ? (word ?? '') : '';
      case '+':
        return isSet ? (word ?? '') : '';
      default:
        if (isSet) return value;
        unset.push(name);
        return whole;
    }
  });
  return { text: out, unset };
}
