/**
 * The `<dir|git-url>` argument of plan, diff and apply: a Git URL is fetched through the local
 * cache, anything else must be a directory.
 */
import { existsSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { FerryError } from '../errors.js';
import { GitSource, parseRefSpec } from '../source/index.js';
import { DEFAULT_SETTINGS, type SyncSettings, type SyncSource } from '../sync/index.js';

/** True for arguments that name a remote repository rather than a local directory. */
export function isGitUrl(arg: string): boolean {
  return /^(https?|ssh|git|file):\/\//.test(arg) || /^[\w.-]+@[\w.-]+:/.test(arg);
}

/** Where fetched repositories are cached between runs. */
export function cacheDir(env: NodeJS.ProcessEnv): string {
  return env.FERRY_CACHE_DIR ?? join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'ferry');
}

/**
 * A Git URL, a directory, or one manifest file (`ferry apply install.yaml`, as `kubectl apply -f`
 * takes it: its directory is the source and the file the path).
 */
export function sourceFromArg(arg: string, options: { ref?: string; path?: string }): SyncSource {
  if (isGitUrl(arg)) {
    return { type: 'git', url: arg, path: options.path ?? '.', ...(options.ref ? { ref: parseRefSpec(options.ref) } : {}) };
  }
  const target = resolve(arg);
  if (!existsSync(target)) throw new FerryError('CLI_BAD_SOURCE', `${arg}: not a directory, a file or a Git URL (https://, ssh://, git@host:path)`);
  if (options.ref) throw new FerryError('CLI_BAD_SOURCE', `--ref applies to Git URLs, not to ${arg}`);
  if (statSync(target).isDirectory()) return { type: 'directory', dir: target, path: options.path ?? '.' };
  if (options.path !== undefined && options.path !== '.') throw new FerryError('CLI_BAD_SOURCE', `--path applies to a directory or a Git URL; ${arg} is a file`);
  return { type: 'directory', dir: dirname(target), path: basename(target) };
}

/**
 * The sync name a directory, file or URL gets when no `--name` is given: the directory's name
 * (`ferry apply .` in ~/src/shop syncs as "shop"), the file's name without extension, or the
 * repository's name, as a DNS label. Every command derives it here, so `diff` and `apply` of one
 * source speak of the same sync.
 */
export function defaultSyncName(arg: string): string {
  let last: string;
  if (isGitUrl(arg)) {
    last = basename(arg.replace(/[?#].*$/, '').replace(/\/+$/, '').replace(/\.git$/, '').replace(/^.*:/, ''));
  } else {
    const target = resolve(arg);
    last = existsSync(target) && statSync(target).isFile() ? basename(target, extname(target)) : basename(target);
  }
  const name = last.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 63).replace(/-+$/, '');
  return name || 'default';
}

export function gitSourceFor(env: NodeJS.ProcessEnv): GitSource {
  return new GitSource({ cacheDir: cacheDir(env) });
}

/** Parses repeatable `KEY=VALUE` flags. */
export function collectKeyValue(value: string, previous: Record<string, string> = {}): Record<string, string> {
  const eq = value.indexOf('=');
  if (eq <= 0) throw new FerryError('CLI_BAD_FLAG', `expected KEY=VALUE, got "${value}"`);
  return { ...previous, [value.slice(0, eq)]: value.slice(eq + 1) };
}

/** What every one-off sync from the command line names: the sync and where its objects go. */
export interface CommandLineSync {
  namespace: string;
  name: string;
  source: SyncSource;
  /** `--substitute` values: substitution is on only when given. */
  substitute?: Record<string, string>;
  targetNamespace?: string;
}

/**
 * Settings for a one-off sync from the command line (`diff`, `apply`): the GitSync defaults,
 * no pruning unless asked, and the command's flags on top.
 */
export function commandLineSettings(sync: CommandLineSync, overrides: Partial<SyncSettings> = {}): SyncSettings {
  return {
    ...DEFAULT_SETTINGS,
    namespace: sync.namespace,
    name: sync.name,
    source: sync.source,
    ...(sync.substitute ? { substitute: sync.substitute } : {}),
    substituteFrom: [],
    // As with kubectl apply -n: objects that name no namespace go to the command's namespace.
    targetNamespace: sync.targetNamespace ?? sync.namespace,
    prune: false,
    ignore: [],
    notify: [],
    ...overrides,
  };
}
