import { FerryError } from '../errors.js';
import type { ObjectRef } from '../objects.js';
import { counted } from '../text.js';

/** One problem found while rendering, located in its source file. */
export interface RenderProblem {
  code: string;
  file: string;
  line: number;
  column: number;
  message: string;
  ref?: ObjectRef;
}

/** `file:line:col: message` — the way compilers and kubectl print located errors. */
export function formatProblem(problem: RenderProblem): string {
  return `${problem.file}:${problem.line}:${problem.column}: ${problem.message}`;
}

/**
 * Rendering failed. Every problem is collected and reported together, so one run shows the user
 * everything to fix; nothing of a failed render is ever applied.
 */
export class RenderError extends FerryError {
  readonly problems: RenderProblem[];

  constructor(problems: RenderProblem[]) {
    const shown = problems.slice(0, 50).map(formatProblem);
    const more = problems.length > 50 ? `\n… and ${problems.length - 50} more` : '';
    super('RENDER_FAILED', `rendering failed with ${counted(problems.length, 'problem')}:\n${shown.join('\n')}${more}`, {
      details: { problems },
    });
    this.problems = problems;
  }
}
