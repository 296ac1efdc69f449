import { scrubSecrets } from '../../log/index.js';
import type { RenderProblem } from '../errors.js';
import { sourceInTree } from './output.js';

/** What turns helm's message back into the user's terms. */
export interface ErrorContext {
  /** The chart's name (helm names templates `<name>/templates/…`) and version. */
  chart: { name: string; version: string };
  /** The chart directory in the tree, and its Chart.yaml (where problems without a template go). */
  chartDir: string;
  chartFile: string;
  /** Scratch paths helm saw → what the user calls them (values layers, the scratch root). */
  paths: ReadonlyMap<string, string>;
  /** Values from Secrets: masked wherever helm echoes them. */
  secrets: readonly string[];
}

/** Where helm says a template failed, and why. */
interface TemplateFailure {
  file: string;
  line: number;
  column?: number;
  message: string;
}

/** The shapes of helm's located messages (helm 3 and 4), each read into a TemplateFailure. */
const LOCATED: Array<{ pattern: RegExp; read: (match: RegExpExecArray) => TemplateFailure }> = [
  // `required` and `fail`: the message is the chart author's.
  { pattern: /execution error at \(([^()\s]+?):(\d+):(\d+)\):\s*(.*)$/, read: (m) => ({ file: at(m, 1), line: Number(m[2]), column: Number(m[3]), message: at(m, 4) }) },
  { pattern: /parse error at \(([^()\s]+?):(\d+)\):\s*(.*)$/, read: (m) => ({ file: at(m, 1), line: Number(m[2]), message: at(m, 3) }) },
  // helm 3 prints `template: FILE:L:C: executing …`, helm 4 `FILE:L:C` and `executing …` on lines of their own.
  {
    pattern: /(?:template: )?(?<![^\s(])([^\s:]+):(\d+):(\d+):?\s+executing "[^"]*" at <([^>]*)>:\s*(.*)$/,
    read: (m) => ({ file: at(m, 1), line: Number(m[2]), column: Number(m[3]), message: describeExecution(at(m, 4), at(m, 5)) }),
  },
];

/**
 * A failed `helm template` (or `helm dependency build`) as one located problem: the template file
 * and line helm reports (the innermost, when one template failed inside another's include), the
 * chart it belongs to, and for a value that is not set, the values key. Paths of the scratch copy
 * and values from Secrets never appear in the message.
 */
export function locateHelmError(stderr: string, context: ErrorContext): RenderProblem {
  let text = stderr
    .split('\n')
    .filter((line) => !/^(Use --debug flag|WARNING: |walk\.go:)/.test(line.trim()))
    .map((line) => line.trim())
    .filter(Boolean)
    .join(' ')
    .replace(/^Error: /, '')
    .replace(/\bError: /g, '');
  for (const [scratch, shown] of [...context.paths].sort((a, b) => b[0].length - a[0].length)) text = text.split(scratch).join(shown);
  text = scrubSecrets(text, context.secrets).trim();
  const chart = `chart ${context.chart.name}${context.chart.version ? ` ${context.chart.version}` : ''}`;
  const locate = (file: string, line: number, column: number, code: string, message: string): RenderProblem => ({
    code,
    file: sourceInTree(file, context.chartDir),
    line,
    column,
    message: `${chart}: ${message}`,
  });

  const yaml = /YAML parse error on (\S+?): .*?yaml: line (\d+): (.*)$/.exec(text);
  if (yaml) {
    const [, file, line, reason] = yaml as unknown as [string, string, string, string];
    return locate(file, Number(line), 1, 'RENDER_HELM_YAML', `the rendered template is not valid YAML: ${reason} (line ${line} of its output)`);
  }
  // The innermost location: a template that failed inside another's `include` is where to look.
  const innermost = LOCATED.flatMap(({ pattern, read }) => overlappingMatches(text, pattern).map((match) => ({ index: match.index, failure: read(match) })))
    .sort((a, b) => b.index - a.index)[0]?.failure;
  if (innermost) {
    const { file, line, column, message } = innermost;
    return locate(file, line, column ?? 1, 'RENDER_HELM_TEMPLATE', message);
  }
  return { code: 'RENDER_HELM_FAILED', file: context.chartFile, line: 1, column: 1, message: `${chart}: ${text || 'helm failed without a message'}` };
}

/**
 * A failure while executing a template. A nil pointer under `.Values` means a values key is not
 * set: say which, since Go's own message (`nil pointer evaluating interface {}.host`) does not.
 */
function describeExecution(expression: string, message: string): string {
  const nil = /^nil pointer evaluating [^.]*\.(\S+)/.exec(message);
  const keys = /^\.Values((?:\.[\w-]+)+)$/.exec(expression.trim());
  if (nil && keys?.[1]) {
    const path = keys[1].slice(1);
    const parent = path.split('.').slice(0, -1).join('.');
    return `values key ${path} is missing: ${parent || path} is not set in the values (at <${expression}>)`;
  }
  return `at <${expression}>: ${message}`;
}

/** Every match of `pattern` in `text`, also those that start inside an earlier one. */
function overlappingMatches(text: string, pattern: RegExp): RegExpExecArray[] {
  const global = new RegExp(pattern.source, 'g');
  const matches: RegExpExecArray[] = [];
  for (let match = global.exec(text); match; match = global.exec(text)) {
    matches.push(match);
    global.lastIndex = match.index + 1;
  }
  return matches;
}

function at(match: RegExpExecArray, group: number): string {
  return match[group] ?? '';
}
