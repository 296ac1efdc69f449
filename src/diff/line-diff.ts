/**
 * A unified diff of two texts, line by line, the format of `diff -u`: Myers' algorithm, which
 * needs O((n+m)·d) steps for d changed lines (a one-line change in a 20,000-line ConfigMap costs
 * about 40,000 steps, where a table of longest common subsequences needs n·m cells — 1.6 GB).
 * The work is capped: past `maxEdits` changed lines the middle of the texts is shown as removed
 * and added as a whole, and hunks past `maxLines` output lines are summarised.
 */
export interface DiffLine {
  kind: ' ' | '-' | '+';
  text: string;
}

export interface LineDiff {
  lines: DiffLine[];
  /** False when the edit budget ran out and the changed middle is shown as one replacement. */
  exact: boolean;
  /** Steps taken (comparisons and table cells), for specs that bound the work. */
  work: number;
}

export interface LineDiffOptions {
  /** Changed lines up to which the diff is minimal (default 2,000: the trace is then at most ~16 MB). */
  maxEdits?: number;
}

const DEFAULT_MAX_EDITS = 2000;

export function diffLines(before: readonly string[], after: readonly string[], options: LineDiffOptions = {}): LineDiff {
  const maxEdits = options.maxEdits ?? DEFAULT_MAX_EDITS;
  // Common head and tail cost one comparison a line and shrink what Myers has to search.
  let head = 0;
  while (head < before.length && head < after.length && before[head] === after[head]) head++;
  let tail = 0;
  while (tail < before.length - head && tail < after.length - head && before[before.length - 1 - tail] === after[after.length - 1 - tail]) tail++;
  let work = head + tail + 1;
  const a = before.slice(head, before.length - tail);
  const b = after.slice(head, after.length - tail);
  const middle = myers(a, b, maxEdits);
  work += middle.work;
  const same = (text: string): DiffLine => ({ kind: ' ', text });
  const lines: DiffLine[] = [
    ...before.slice(0, head).map(same),
    ...(middle.lines ?? [...a.map((text): DiffLine => ({ kind: '-', text })), ...b.map((text): DiffLine => ({ kind: '+', text }))]),
    ...before.slice(before.length - tail).map(same),
  ];
  return { lines, exact: middle.lines !== undefined, work };
}

/**
 * Myers' greedy forward search for the shortest edit script, keeping the frontier of every step
 * to walk back from the end. Undefined lines when more than `maxEdits` edits are needed.
 */
function myers(a: readonly string[], b: readonly string[], maxEdits: number): { lines: DiffLine[] | undefined; work: number } {
  const n = a.length;
  const m = b.length;
  if (n === 0 || m === 0) return { lines: [...a.map((text): DiffLine => ({ kind: '-', text })), ...b.map((text): DiffLine => ({ kind: '+', text }))], work: n + m };
  const limit = Math.min(n + m, maxEdits);
  const offset = limit + 1;
  // frontier[offset + k]: the furthest x reached on diagonal k (y = x − k).
  const frontier = new Int32Array(2 * limit + 3);
  const trace: Int32Array[] = [];
  let work = 0;
  for (let d = 0; d <= limit; d++) {
    for (let k = -d; k <= d; k += 2) {
      work++;
      const down = k === -d || (k !== d && (frontier[offset + k - 1] as number) < (frontier[offset + k + 1] as number));
      let x = down ? (frontier[offset + k + 1] as number) : (frontier[offset + k - 1] as number) + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
        work++;
      }
      frontier[offset + k] = x;
      if (x >= n && y >= m) {
        trace.push(frontier.slice(offset - d, offset + d + 1));
        return { lines: walkBack(a, b, trace), work };
      }
    }
    trace.push(frontier.slice(offset - d, offset + d + 1));
  }
  return { lines: undefined, work };
}

/** The edit script, from the frontiers of each step (trace[d][d + k] is step d's x on diagonal k). */
function walkBack(a: readonly string[], b: readonly string[], trace: Int32Array[]): DiffLine[] {
  const reversed: DiffLine[] = [];
  let x = a.length;
  let y = b.length;
  for (let d = trace.length - 1; d > 0; d--) {
    const previous = trace[d - 1] as Int32Array;
    const at = (k: number) => previous[d - 1 + k] as number;
    const k = x - y;
    const down = k === -d || (k !== d && at(k - 1) < at(k + 1));
    const previousK = down ? k + 1 : k - 1;
    const previousX = at(previousK);
    const previousY = previousX - previousK;
    // The snake after the edit, then the edit itself.
    while (x > (down ? previousX : previousX + 1) && y > (down ? previousY + 1 : previousY)) reversed.push({ kind: ' ', text: a[--x] as string }), y--;
    if (down) reversed.push({ kind: '+', text: b[--y] as string });
    else reversed.push({ kind: '-', text: a[--x] as string });
  }
  while (x > 0 && y > 0) reversed.push({ kind: ' ', text: a[--x] as string }), y--;
  return reversed.reverse();
}

export interface HunkOptions {
  /** Unchanged lines shown around each change (default 3). */
  context?: number;
  /** Output lines after which the rest is summarised in one line (default 2,000). */
  maxLines?: number;
}

/**
 * Groups diff lines into hunks with `context` lines around changes. Past `maxLines` lines of
 * output the rest is one summary line: `… 18,000 more lines (+9,000 −9,000) not shown`.
 */
export function unifiedHunks(lines: DiffLine[], options: HunkOptions | number = {}): string[] {
  const { context = 3, maxLines = 2000 } = typeof options === 'number' ? { context: options } : options;
  const hunks: Array<[number, number]> = [];
  lines.forEach((line, index) => {
    if (line.kind === ' ') return;
    const start = Math.max(0, index - context);
    const end = Math.min(lines.length - 1, index + context);
    const last = hunks[hunks.length - 1];
    if (last && start <= last[1] + 1) last[1] = Math.max(last[1], end);
    else hunks.push([start, end]);
  });
  const output: string[] = [];
  let oldLine = 1;
  let newLine = 1;
  let cursor = 0;
  const advance = (to: number) => {
    for (; cursor < to; cursor++) {
      const kind = (lines[cursor] as DiffLine).kind;
      if (kind !== '+') oldLine++;
      if (kind !== '-') newLine++;
    }
  };
  for (const [start, end] of hunks) {
    advance(start);
    const body = lines.slice(start, end + 1);
    output.push(`@@ -${oldLine},${body.filter((l) => l.kind !== '+').length} +${newLine},${body.filter((l) => l.kind !== '-').length} @@`);
    for (const line of body) output.push(`${line.kind}${line.text}`);
    advance(end + 1);
  }
  if (output.length <= maxLines) return output;
  const hidden = output.slice(maxLines);
  const added = hidden.filter((line) => line.startsWith('+')).length;
  const removed = hidden.filter((line) => line.startsWith('-')).length;
  return [...output.slice(0, maxLines), `… ${hidden.length.toLocaleString('en')} more lines (+${added.toLocaleString('en')} −${removed.toLocaleString('en')}) not shown`];
}
