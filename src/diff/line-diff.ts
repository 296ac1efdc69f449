/**
 * A unified diff of two texts, line by line (longest common subsequence), with `context`
 * unchanged lines around each change and `@@` hunk headers — the format of `diff -u`.
 */
export interface DiffLine {
  kind: ' ' | '-' | '+';
  text: string;
}

export function diffLines(before: string[], after: string[]): DiffLine[] {
  const n = before.length;
  const m = after.length;
  // lcs[i][j]: length of the LCS of before[i..] and after[j..].
  const lcs: Uint32Array[] = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) {
    const row = lcs[i] as Uint32Array;
    const next = lcs[i + 1] as Uint32Array;
    for (let j = m - 1; j >= 0; j--) row[j] = before[i] === after[j] ? (next[j + 1] as number) + 1 : Math.max(next[j] as number, row[j + 1] as number);
  }
  const lines: DiffLine[] = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (before[i] === after[j]) {
      lines.push({ kind: ' ', text: before[i++] as string });
      j++;
    } else if (((lcs[i + 1] as Uint32Array)[j] as number) >= ((lcs[i] as Uint32Array)[j + 1] as number)) {
      lines.push({ kind: '-', text: before[i++] as string });
    } else {
      lines.push({ kind: '+', text: after[j++] as string });
    }
  }
  while (i < n) lines.push({ kind: '-', text: before[i++] as string });
  while (j < m) lines.push({ kind: '+', text: after[j++] as string });
  return lines;
}

/** Groups diff lines into hunks with `context` lines around changes. */
export function unifiedHunks(lines: DiffLine[], context = 3): string[] {
  const changed = lines.map((line, index) => (line.kind === ' ' ? -1 : index)).filter((index) => index >= 0);
  if (changed.length === 0) return [];
  const hunks: Array<[number, number]> = [];
  for (const index of changed) {
    const start = Math.max(0, index - context);
    const end = Math.min(lines.length - 1, index + context);
    const last = hunks[hunks.length - 1];
    if (last && start <= last[1] + 1) last[1] = end;
    else hunks.push([start, end]);
  }
  const output: string[] = [];
  for (const [start, end] of hunks) {
    const before = lines.slice(0, start);
    const oldStart = before.filter((l) => l.kind !== '+').length + 1;
    const newStart = before.filter((l) => l.kind !== '-').length + 1;
    const body = lines.slice(start, end + 1);
    output.push(`@@ -${oldStart},${body.filter((l) => l.kind !== '+').length} +${newStart},${body.filter((l) => l.kind !== '-').length} @@`);
    for (const line of body) output.push(`${line.kind}${line.text}`);
  }
  return output;
}
