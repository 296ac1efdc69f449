/**
 * What the Helm specs share: the fixture charts (test/fixtures/charts), copies of them to change,
 * and the real helm to package them, run with a home of its own so no user configuration leaks in.
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** test/fixtures/charts. */
export const CHARTS = fileURLToPath(new URL('../fixtures/charts/', import.meta.url));

const scratch: string[] = [];

/** A fresh directory, removed by removeScratch(). */
export function scratchDir(prefix = 'ferry-chart-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  scratch.push(dir);
  return dir;
}

export function removeScratch(): void {
  for (const dir of scratch.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** The helm the global setup made sure of. */
export function helmBinary(): string {
  const binary = process.env.FERRY_HELM;
  if (!binary) throw new Error('FERRY_HELM is not set: run the specs through vitest (its global setup fetches helm)');
  return binary;
}

/** Runs the real helm with a private home (no repositories, no registry logins of the user); resolves to what it printed (stdout, then stderr). */
export async function helm(args: string[], options: { cwd?: string } = {}): Promise<string> {
  const home = scratchDir('ferry-helm-home-');
  const env = { PATH: process.env.PATH ?? '', HOME: home, HELM_CACHE_HOME: join(home, 'cache'), HELM_CONFIG_HOME: join(home, 'config'), HELM_DATA_HOME: join(home, 'data') };
  try {
    const { stdout, stderr } = await run(helmBinary(), args, { env, ...(options.cwd ? { cwd: options.cwd } : {}), maxBuffer: 64 * 1024 * 1024 });
    return `${stdout}${stderr}`;
  } catch (error) {
    const { stderr } = error as { stderr?: string };
    throw new Error(`helm ${args.join(' ')} failed: ${stderr ?? (error as Error).message}`);
  }
}

/**
 * A copy of the fixture charts (all of them: `shop` reaches `cache` through `file://../cache`),
 * with `edit` applied to files in it (path → new content, or a function of the old content).
 */
export function copyCharts(edit: Record<string, string | ((old: string) => string)> = {}): string {
  const dir = scratchDir();
  cpSync(CHARTS, dir, { recursive: true });
  for (const [path, change] of Object.entries(edit)) {
    const file = join(dir, path);
    writeFileSync(file, typeof change === 'string' ? change : change(readFileSync(file, 'utf8')));
  }
  return dir;
}

/**
 * Packages one fixture chart as `helm package` does, optionally as another version (the chart
 * repository and registry specs publish several), its dependencies built in first. Returns the
 * archive's path.
 */
export async function packageChart(chart: string, options: { version?: string; appVersion?: string; edit?: Record<string, string | ((old: string) => string)> } = {}): Promise<string> {
  const copy = copyCharts(Object.fromEntries(Object.entries(options.edit ?? {}).map(([path, change]) => [join(chart, path), change])));
  const out = scratchDir('ferry-packaged-');
  await helm(['package', join(copy, chart), '--destination', out, '--dependency-update', ...(options.version ? ['--version', options.version] : []), ...(options.appVersion ? ['--app-version', options.appVersion] : [])]);
  const archive = readdirSync(out).find((file) => file.endsWith('.tgz'));
  if (!archive) throw new Error(`helm package ${chart} wrote no archive`);
  return join(out, archive);
}

/** The files of fixture charts as a commit would hold them: `{ '<under>/<chart>/<path>': content }`. */
export function chartFiles(charts: string[], under = 'charts'): Record<string, string> {
  const files: Record<string, string> = {};
  const visit = (dir: string, shown: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory()) visit(join(dir, entry.name), `${shown}/${entry.name}`);
      else files[`${shown}/${entry.name}`] = readFileSync(join(dir, entry.name), 'utf8');
    }
  };
  for (const chart of charts) visit(join(CHARTS, chart), `${under}/${chart}`);
  return files;
}
