import type { ObjectRef } from '../objects.js';

/** One warning the API server sent with an answer (a `Warning: 299 - "…"` header). */
export interface ApiWarning {
  /** The warning text: `unknown field "spec.foo"`, `policy/v1beta1 PodDisruptionBudget is deprecated …`. */
  text: string;
  /** The warn-code; the API server uses 299 ("miscellaneous persistent warning"). */
  code: number;
  /** Who warned (`-` for the API server itself). */
  agent: string;
  /** The request the warning came with, as messages name it (`Kind/namespace/name`, or what was asked). */
  subject: string;
  ref?: ObjectRef;
  verb: string;
}

/** Receives every warning that is not turned into an error. */
export type WarningHandler = (warning: ApiWarning) => void;

/**
 * The warnings of `Warning` header values (RFC 7234: `299 - "text"`, several per header allowed,
 * separated by commas, each text a quoted string with backslash escapes and an optional date).
 * A value that does not parse is kept whole as the text, so no warning is lost.
 */
export function parseWarningHeaders(values: readonly string[]): Array<{ code: number; agent: string; text: string }> {
  const warnings: Array<{ code: number; agent: string; text: string }> = [];
  for (const value of values) {
    const parsed = parseWarningValue(value);
    if (parsed) warnings.push(...parsed);
    else if (value.trim()) warnings.push({ code: 299, agent: '-', text: value.trim() });
  }
  return warnings;
}

function parseWarningValue(value: string): Array<{ code: number; agent: string; text: string }> | undefined {
  const warnings: Array<{ code: number; agent: string; text: string }> = [];
  let at = 0;
  const skip = (pattern: RegExp) => {
    while (at < value.length && pattern.test(value[at] as string)) at++;
  };
  const quoted = (): string | undefined => {
    if (value[at] !== '"') return undefined;
    let text = '';
    for (at++; at < value.length; at++) {
      const char = value[at] as string;
      if (char === '\\' && at + 1 < value.length) text += value[++at];
      else if (char === '"') {
        at++;
        return text;
      } else text += char;
    }
    return undefined;
  };
  for (;;) {
    skip(/[\s,]/);
    if (at >= value.length) return warnings;
    const code = /^\d{3}/.exec(value.slice(at))?.[0];
    if (!code) return undefined;
    at += 3;
    if (value[at] !== ' ') return undefined;
    skip(/ /);
    const agentStart = at;
    skip(/[^\s]/);
    const agent = value.slice(agentStart, at);
    skip(/ /);
    const text = quoted();
    if (text === undefined || !agent) return undefined;
    skip(/ /);
    // An optional warn-date, also a quoted string.
    if (value[at] === '"' && quoted() === undefined) return undefined;
    warnings.push({ code: Number(code), agent, text });
    skip(/ /);
    if (at < value.length && value[at] !== ',') return undefined;
  }
}
