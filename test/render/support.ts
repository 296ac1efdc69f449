/** Trees for render specs: files written inline, and a tree that records what render asked of it. */
import { treeFromFiles, type SourceTree } from '../../src/source/index.js';

/** A tree over inline files; the revision defaults to a name unique to the call. */
export function treeOf(files: Record<string, string | Buffer>, revision = `inline-${++trees}`): SourceTree {
  return treeFromFiles(
    Object.entries(files).map(([path, content]) => ({ path, content: Buffer.from(content) })),
    revision,
  );
}
let trees = 0;

export interface RecordingTree {
  tree: SourceTree;
  /** Every call render made, as `stat path`, `list dir`, `read path`, in order. */
  calls: string[];
  /** The paths whose contents were read. */
  reads(): string[];
}

/** Wraps a tree to record every question asked of it. */
export function recording(inner: SourceTree): RecordingTree {
  const calls: string[] = [];
  return {
    calls,
    reads: () => calls.filter((call) => call.startsWith('read ')).map((call) => call.slice(5)).sort(),
    tree: {
      revision: inner.revision,
      stat: (path) => (calls.push(`stat ${path}`), inner.stat(path)),
      listFiles: (dir) => (calls.push(`list ${dir}`), inner.listFiles(dir)),
      readFile: (path) => (calls.push(`read ${path}`), inner.readFile(path)),
    },
  };
}

export const configMap = (name: string, data: Record<string, string> = { key: 'value' }) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n${Object.entries(data).map(([k, v]) => `  ${k}: ${v}`).join('\n')}\n`;
