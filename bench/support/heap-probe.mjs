// Preloaded into the `ferry agent` process by the agent benchmarks (node --expose-gc --import):
// every 5 s, one line to $FERRY_BENCH_HEAP_LOG — the time, the heap used after a full GC, the
// event-loop delay of the 5 s before it (max and p99, in ns), and the heap V8 had reserved before
// the GC. Heap after a full GC is the leak indicator; RSS alone moves with V8's heap sizing and
// freed buffers. The delay is read before the forced GC, so the probe's own pause lands in the
// next window (at most one GC per window).
import { appendFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';

const file = process.env.FERRY_BENCH_HEAP_LOG;
if (file && typeof globalThis.gc === 'function') {
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  setInterval(() => {
    const max = delay.max;
    const p99 = delay.percentile(99);
    // The heap V8 had reserved before the GC: what the resident memory follows.
    const reserved = process.memoryUsage().heapTotal;
    globalThis.gc();
    delay.reset();
    appendFileSync(file, `${Date.now()} ${process.memoryUsage().heapUsed} ${max} ${p99} ${reserved}\n`);
  }, 5000).unref();
}
