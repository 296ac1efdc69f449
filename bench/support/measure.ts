/**
 * Small measuring tools for the benchmarks: wall time, peak RSS/heap sampled while the work runs,
 * and a uniform way to print figures so results can be pasted into notes.
 */
export interface Measurement<T> {
  result: T;
  ms: number;
  peakRssMiB: number;
  peakHeapMiB: number;
}

/** Runs `work` while sampling memory every 10 ms; returns its result, wall time and peaks. */
export async function measure<T>(work: () => Promise<T> | T): Promise<Measurement<T>> {
  let peakRss = process.memoryUsage().rss;
  let peakHeap = process.memoryUsage().heapUsed;
  const sample = () => {
    const usage = process.memoryUsage();
    peakRss = Math.max(peakRss, usage.rss);
    peakHeap = Math.max(peakHeap, usage.heapUsed);
  };
  const timer = setInterval(sample, 10);
  const start = process.hrtime.bigint();
  try {
    const result = await work();
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    sample();
    return { result, ms, peakRssMiB: peakRss / 2 ** 20, peakHeapMiB: peakHeap / 2 ** 20 };
  } finally {
    clearInterval(timer);
  }
}

/** Prints one figure as `  name ........ value unit`. */
export function report(name: string, value: number | string, unit = ''): void {
  const shown = typeof value === 'number' ? (Number.isInteger(value) ? String(value) : value.toFixed(1)) : value;
  process.stdout.write(`  ${name.padEnd(48, '.')} ${shown}${unit ? ` ${unit}` : ''}\n`);
}

export function heading(title: string): void {
  process.stdout.write(`\n${title}\n`);
}
