// Preloaded into the `ferry agent` process by the agent benchmarks (node --expose-gc --import):
// every 5 s, one line to $FERRY_BENCH_HEAP_LOG — the time, the heap used after a full GC, and the
// event-loop delay of the 5 s before it (max and p99, in ns). Heap after a full GC is the leak
// indicator; RSS alone moves with V8's heap sizing and freed buffers. The delay is read before
// the forced GC, so the probe's own pause lands in the next window (at most one GC per window).
import { appendFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';

const file = process.env.FERRY_BENCH_HEAP_LOG;
if (file && typeof globalThis.gc === 'function') {
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  setInterval(() => {
    const max = delay.max;
    const p99 = delay.percentile(99);
    const before = process.memoryUsage();
    globalThis.gc();
    delay.reset();
    const after = process.memoryUsage();
    // Then where the resident memory was before the GC: V8's heap as sized, buffers outside it.
    appendFileSync(file, `${Date.now()} ${after.heapUsed} ${max} ${p99} ${before.rss} ${before.heapTotal} ${before.external} ${before.arrayBuffers} ${after.rss}\n`);
  }, 5000).unref();
}
