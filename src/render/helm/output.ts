/** One `# Source:` section of `helm template` output: a template's document, or a crds/ file. */
export interface TemplateOutput {
  /** The source as helm names it: `<chart name>/templates/deployment.yaml`, `<chart>/charts/<sub>/crds/x.yaml`. */
  source: string;
  /** The section's text, without its `---` and `# Source:` lines. */
  text: string;
}

const SOURCE = /^# Source: (.+)$/;

/**
 * Splits what `helm template` printed into its sections. helm starts every rendered document with
 * `---` and a `# Source: <chart>/<path>` line, and prints a crds/ file whole (its own `---`
 * separators included) under one such header, so a section is everything up to the next header.
 */
export function splitTemplateOutput(output: string): TemplateOutput[] {
  const lines = output.split('\n');
  const sections: TemplateOutput[] = [];
  let current: { source: string; lines: string[] } | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    const header = line === '---' ? SOURCE.exec(lines[i + 1] ?? '') : null;
    if (header?.[1]) {
      if (current) sections.push({ source: current.source, text: current.lines.join('\n') });
      current = { source: header[1].trim(), lines: [] };
      i++;
      continue;
    }
    current?.lines.push(line);
  }
  if (current) sections.push({ source: current.source, text: current.lines.join('\n') });
  return sections.filter((section) => section.text.trim() !== '');
}

/**
 * The tree path of a source helm names: its first segment is the chart's name, the rest a path
 * inside the chart directory (subcharts under `charts/<name>/`).
 */
export function sourceInTree(source: string, chartDir: string): string {
  const slash = source.indexOf('/');
  const inside = slash === -1 ? source : source.slice(slash + 1);
  return chartDir === '' ? inside : `${chartDir}/${inside}`;
}

/** True for a section that is a file of a chart's (or a subchart's) crds/ directory. */
export function isCrdsSource(source: string): boolean {
  return /^[^/]+\/(charts\/[^/]+\/)*crds\//.test(source);
}
