/**
 * The page's own files — one HTML shell, one script, one stylesheet, no framework. They sit
 * beside this module: in src/ui/assets when run from source, in dist/ui/assets once
 * `npm run build` has copied them.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const TYPES: Record<string, string> = {
  'index.html': 'text/html; charset=utf-8',
  'app.js': 'text/javascript; charset=utf-8',
  'app.css': 'text/css; charset=utf-8',
};

export interface Asset {
  body: Buffer;
  type: string;
}

/** Reads the assets once; the server answers from memory. */
export function loadAssets(directory: string = fileURLToPath(new URL('./assets/', import.meta.url))): Map<string, Asset> {
  return new Map(Object.entries(TYPES).map(([name, type]) => [name, { body: readFileSync(`${directory}/${name}`), type }]));
}
