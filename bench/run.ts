/**
 * Runs the benchmarks: `npm run bench` runs all of them, `npm run bench -- diff apply` only those
 * whose file name starts with one of the given words. Each bench/<name>.bench.ts exports a default
 * async function that prints its figures; each runs in a process of its own. Benchmarks are never
 * timed tests. Arguments that start with `--` are left to the benchmarks (sizes:
 * `npm run bench -- scale --gitsyncs=200`).
 */
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';

const here = dirname(fileURLToPath(import.meta.url));
const wanted = process.argv.slice(2).filter((arg) => !arg.startsWith('--'));
const passed = process.argv.slice(2).filter((arg) => arg.startsWith('--'));
const files = readdirSync(here)
  .filter((file) => file.endsWith('.bench.ts'))
  .filter((file) => wanted.length === 0 || wanted.some((word) => file.startsWith(word)))
  .sort();

if (files.length === 0) {
  process.stderr.write(`no benchmark matches ${wanted.join(', ')}\n`);
  process.exit(2);
}
if (files.length === 1) {
  const module = (await import(pathToFileURL(join(here, files[0] as string)).href)) as { default: () => Promise<void> };
  await module.default();
} else {
  // One process per benchmark: peak heap and RSS are process-wide high-water marks, so a
  // benchmark must not inherit the peaks of the ones before it.
  for (const file of files) {
    const code = await new Promise<number | null>((resolve) => {
      spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), file.replace(/\.bench\.ts$/, ''), ...passed], { stdio: 'inherit' }).once('exit', resolve);
    });
    if (code !== 0) process.exit(code ?? 1);
  }
}
