/**
 * The words of an alert, shared by every provider: a title, a one-line summary, facts, the
 * objects (capped, with "and N more"), diff snippets and the command to see more.
 */
import { formatRef } from '../objects.js';
import type { NotifyEvent } from './types.js';
import { counted } from '../text.js';

export const MAX_OBJECTS = 10;
export const MAX_PATHS = 5;

export interface MessageParts {
  title: string;
  summary: string;
  facts: Array<[string, string]>;
  objectLines: string[];
  snippets: Array<{ ref: string; text: string }>;
  hint: string;
  /** green / red / orange / grey, as a hex number (Discord) and a name (others). */
  color: { hex: number; name: 'good' | 'danger' | 'warning' | 'neutral' };
}

const short = (revision?: string) => (revision && /^[0-9a-f]{40}$/.test(revision) ? revision.slice(0, 7) : revision ?? '');

export function composeMessage(event: NotifyEvent, clusterName?: string): MessageParts {
  const sync = `${event.sync.namespace}/${event.sync.name}`;
  const cluster = event.cluster ?? clusterName ?? 'default';
  const objects = event.objects ?? [];
  const facts: Array<[string, string]> = [
    ['GitSync', sync],
    ['Cluster', cluster],
  ];
  if (event.revision) facts.push(['Revision', short(event.revision)]);
  let title: string;
  let summary: string;
  let color: MessageParts['color'];
  switch (event.type) {
    case 'drift':
      title = event.selfHealed ? `Drift corrected in ${sync}` : `Drift detected in ${sync}`;
      summary = `${counted(objects.length, 'object')} on ${cluster} ${event.selfHealed ? 'had left Git and were put back' : 'no longer match Git (self-heal is off)'}.`;
      color = event.selfHealed ? { hex: 0xf2c744, name: 'warning' } : { hex: 0xe01e5a, name: 'danger' };
      break;
    case 'drift-resolved':
      title = `Drift resolved in ${sync}`;
      summary = `The live objects on ${cluster} match Git again.`;
      color = { hex: 0x2eb67d, name: 'good' };
      break;
    case 'failed':
      title = `Sync failed: ${sync}`;
      summary = event.error ?? 'the sync failed';
      color = { hex: 0xe01e5a, name: 'danger' };
      break;
    case 'rolledBack':
      title = `Rolled back: ${sync}`;
      summary = `Revision ${short(event.fromRevision)} failed${event.reason ? ` (${event.reason})` : ''}; ${cluster} is back on ${short(event.toRevision)}.`;
      color = { hex: 0xf2c744, name: 'warning' };
      if (event.fromRevision) facts.push(['Failed revision', short(event.fromRevision)]);
      if (event.toRevision) facts.push(['Now running', short(event.toRevision)]);
      break;
    case 'recovered':
      title = `Recovered: ${sync}`;
      summary = `${sync} syncs successfully again.`;
      color = { hex: 0x2eb67d, name: 'good' };
      break;
    case 'synced':
      title = `Synced: ${sync}`;
      summary = `Revision ${short(event.revision)} is applied and healthy.`;
      color = { hex: 0x2eb67d, name: 'good' };
      break;
  }
  if (event.digest) {
    title = event.digest.title;
    summary = event.digest.lines.join('\n');
    facts.splice(0, 1);
  }
  const objectLines = objects.slice(0, MAX_OBJECTS).map((object) => {
    const paths = object.paths.slice(0, MAX_PATHS).join(', ');
    const morePaths = object.paths.length > MAX_PATHS ? ` and ${object.paths.length - MAX_PATHS} more` : '';
    return `${formatRef(object.ref)}: ${object.change === 'deleted' ? 'deleted' : `${paths}${morePaths}`}`;
  });
  if (objects.length > MAX_OBJECTS) objectLines.push(`and ${objects.length - MAX_OBJECTS} more objects`);
  const snippets = objects
    .filter((object) => object.snippet && object.ref.kind !== 'Secret')
    .slice(0, 3)
    .map((object) => ({ ref: formatRef(object.ref), text: object.snippet as string }));
  return { title, summary, facts, objectLines, snippets, hint: `ferry diff ${event.sync.name} -n ${event.sync.namespace}`, color };
}

/** Plain text of a whole message: the fallback every provider carries. */
export function plainText(parts: MessageParts): string {
  return [parts.title, parts.summary, ...parts.objectLines.map((line) => `• ${line}`), `See more: ${parts.hint}`].join('\n');
}
