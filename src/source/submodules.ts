import { stripUrlCredentials } from '../log/index.js';
import { SubmoduleError } from './errors.js';

/** One `[submodule "name"]` section of a `.gitmodules` file. */
export interface SubmoduleEntry {
  name: string;
  path?: string;
  url?: string;
}

/** Reads the sections of a `.gitmodules` file (git-config syntax; only what a message needs). */
export function parseGitmodules(text: string): SubmoduleEntry[] {
  const entries: SubmoduleEntry[] = [];
  let current: SubmoduleEntry | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/(^|\s)[#;].*$/, '').trim();
    const section = /^\[submodule\s+"(.*)"\]$/.exec(line);
    if (section) {
      current = { name: section[1] as string };
      entries.push(current);
      continue;
    }
    if (line.startsWith('[')) {
      current = undefined;
      continue;
    }
    const setting = /^(\w+)\s*=\s*(.*)$/.exec(line);
    if (!current || !setting) continue;
    const value = (setting[2] as string).replace(/^"(.*)"$/, '$1');
    if (setting[1] === 'path') current.path = value;
    // A URL may carry a token: it goes into messages, so never with credentials.
    if (setting[1] === 'url') current.url = stripUrlCredentials(value);
  }
  return entries;
}

/**
 * A gitlink where the sync needs files. ferry fetches one repository, so what the submodule
 * holds would silently be missing from the render: say so, and name the submodule.
 */
export function submoduleError(path: string, commit: string, gitmodules: SubmoduleEntry[]): SubmoduleError {
  const entry = gitmodules.find((candidate) => candidate.path === path);
  const what = entry ? `"${entry.name}"${entry.url ? `, ${entry.url}` : ''}, at commit ${commit.slice(0, 7)}` : `at commit ${commit.slice(0, 7)}`;
  return new SubmoduleError(
    'SOURCE_SUBMODULE',
    `${path}: a Git submodule (${what}); ferry does not fetch submodules: vendor the manifests into the repository`,
    { details: { path, commit, ...(entry ? { submodule: entry.name, ...(entry.url ? { url: entry.url } : {}) } : {}) } },
  );
}
