import { posix } from 'node:path';

/** The file whose rules helm applies when it reads a chart directory (and when it packages one). */
export const HELMIGNORE_FILE = '.helmignore';

/** Helm's own rule, added to every chart's: dot files inside templates/. */
const DEFAULT_RULES = ['templates/.?*'];

interface Rule {
  negate: boolean;
  mustDir: boolean;
  match: (path: string) => boolean;
}

/**
 * Which files of a chart directory helm loads, by the chart's `.helmignore` as helm's
 * pkg/ignore reads it: one pattern a line (`#` comments), matched with Go's filepath.Match — a
 * pattern with a `/` against the path from the chart root, one without against the last path
 * element; a trailing `/` matches directories only; `!` negates (with helm's own reading: a path
 * a negated pattern does not match is ignored). An ignored directory hides everything in it.
 * `**` is not helm syntax; such a line is dropped (helm refuses the chart; it says so itself).
 * `files` are paths relative to the chart root; the answer keeps their order.
 */
export function filesHelmLoads(files: readonly string[], helmignore: string | undefined): string[] {
  const rules = [...DEFAULT_RULES, ...(helmignore ?? '').split('\n')].flatMap(parseRule);
  if (rules.length === 0) return [...files];
  const ignoredDirs = new Map<string, boolean>();
  const dirIgnored = (dir: string): boolean => {
    let answer = ignoredDirs.get(dir);
    if (answer === undefined) {
      const parent = posix.dirname(dir);
      answer = (parent !== '.' && dirIgnored(parent)) || isIgnored(rules, dir, true);
      ignoredDirs.set(dir, answer);
    }
    return answer;
  };
  return files.filter((file) => {
    const dir = posix.dirname(file);
    return !(dir !== '.' && dirIgnored(dir)) && !isIgnored(rules, file, false);
  });
}

function parseRule(line: string): Rule[] {
  let rule = line.trim();
  if (rule === '' || rule.startsWith('#') || rule.includes('**')) return [];
  const negate = rule.startsWith('!');
  if (negate) rule = rule.slice(1);
  const mustDir = rule.endsWith('/');
  if (mustDir) rule = rule.slice(0, -1);
  const pattern = globToRegExp(rule.startsWith('/') ? rule.slice(1) : rule);
  if (!pattern) return [];
  const whole = rule.includes('/');
  return [{ negate, mustDir, match: (path) => pattern.test(whole ? path : posix.basename(path)) }];
}

function isIgnored(rules: readonly Rule[], path: string, isDir: boolean): boolean {
  for (const rule of rules) {
    if (rule.negate) {
      if (rule.mustDir && !isDir) return true;
      if (!rule.match(path)) return true;
      continue;
    }
    if (rule.mustDir && !isDir) continue;
    if (rule.match(path)) return true;
  }
  return false;
}

/** Go's filepath.Match syntax (`*`, `?`, `[…]` with `^` and ranges, `\` escapes) as a RegExp; undefined for a malformed pattern. */
function globToRegExp(glob: string): RegExp | undefined {
  let source = '';
  for (let i = 0; i < glob.length; i++) {
    const char = glob[i] as string;
    if (char === '*') source += '[^/]*';
    else if (char === '?') source += '[^/]';
    else if (char === '\\') {
      const next = glob[++i];
      if (next === undefined) return undefined;
      source += escape(next);
    } else if (char === '[') {
      const end = glob.indexOf(']', i + 2);
      if (end === -1) return undefined;
      let body = glob.slice(i + 1, end);
      const negated = body.startsWith('^');
      if (negated) body = body.slice(1);
      source += `[${negated ? '^/' : ''}${body.replace(/[\]\\^]/g, (c) => `\\${c}`)}]`;
      i = end;
    } else source += escape(char);
  }
  try {
    return new RegExp(`^${source}$`);
  } catch {
    return undefined;
  }
}

function escape(char: string): string {
  return char.replace(/[.*+?^${}()|[\]\\/]/g, (c) => `\\${c}`);
}
