import { describe, expect, it } from 'vitest';
import { renderManifests } from '../../src/render/index.js';
import { treeFromFiles, type SourceFile } from '../../src/source/index.js';

/** Counts the turns of a timer while `work` runs: a Lease renewal or a watch event gets those turns too. */
async function timerTurnsDuring<T>(work: () => Promise<T>): Promise<{ turns: number; result: T }> {
  let turns = 0;
  const timer = setInterval(() => turns++, 1);
  try {
    const result = await work();
    return { turns, result };
  } finally {
    clearInterval(timer);
  }
}

describe('a large render beside the agent\'s timers', () => {
  it('a 10,000-object render (2,000 files in memory) lets a timer run while it parses, validates and hashes', async () => {
    const files: SourceFile[] = [];
    for (let f = 0; f < 2000; f++) {
      const docs = Array.from({ length: 5 }, (_, d) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-${f * 5 + d}\ndata:\n  index: "${f * 5 + d}"\n`);
      files.push({ path: `apps/f-${f}.yaml`, content: Buffer.from(docs.join('---\n')), blobId: `blob-${f}` });
    }
    const tree = treeFromFiles(files, 'event-loop');
    const { turns, result } = await timerTurnsDuring(() => renderManifests({ tree, targetNamespace: 'apps' }));
    expect(result.objects).toHaveLength(10_000);
    expect(turns).toBeGreaterThan(0);
  });
});
