// Preloaded into the `ferry agent` process by bench/agent.bench.ts (node --expose-gc --import):
// every 5 s, a full GC and then one line of heap-used bytes to $FERRY_BENCH_HEAP_LOG. Heap after a
// full GC is the leak indicator; RSS alone moves with V8's heap sizing and freed buffers.
import { appendFileSync } from 'node:fs';

const file = process.env.FERRY_BENCH_HEAP_LOG;
if (file && typeof globalThis.gc === 'function') {
  setInterval(() => {
    globalThis.gc();
    appendFileSync(file, `${Date.now()} ${process.memoryUsage().heapUsed}\n`);
  }, 5000).unref();
}
