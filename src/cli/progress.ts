/**
 * Progress lines on stderr while a sync runs: one per step, layer and object, and a health line
 * whenever the worst object's message changes (never one per poll).
 */
import { formatRef } from '../objects.js';
import type { SyncEvent } from '../sync/index.js';
import { shortRevision } from '../sync/index.js';
import type { CliIO } from './context.js';
import { paint } from './output.js';
import { counted } from '../text.js';

export function progressPrinter(io: CliIO): (event: SyncEvent) => void {
  let lastHealth = '';
  const line = (text: string) => io.stderr.write(`${text}\n`);
  return (event) => {
    switch (event.type) {
      case 'source':
        line(`${paint(io, 'bold', 'source')}    revision ${shortRevision(event.revision)}${event.ref && event.ref !== event.revision ? ` (${event.ref})` : ''}`);
        break;
      case 'rendered':
        line(`${paint(io, 'bold', 'render')}    ${event.count} objects`);
        break;
      case 'rollback':
        line(paint(io, 'yellow', `rollback  ${shortRevision(event.from)} failed; rolling back to ${shortRevision(event.to)}`));
        break;
      case 'health': {
        const { overall, results } = event.snapshot;
        const healthy = results.filter((r) => r.health.status === 'Healthy').length;
        const text = `health    ${healthy}/${results.length} healthy${overall.status === 'Healthy' ? '' : ` — ${overall.message}`}`;
        if (text !== lastHealth) line(text);
        lastHealth = text;
        break;
      }
      case 'apply': {
        const inner = event.event;
        if (inner.type === 'dry-run') line(`${paint(io, 'bold', 'validate')}  server dry-run of ${counted(inner.count, 'change')}`);
        else if (inner.type === 'layer') line(`${paint(io, 'bold', `layer ${inner.index + 1}/${inner.total}`)} ${inner.objects.length} objects`);
        else if (inner.type === 'waiting') line(`  waiting for ${inner.refs.map(formatRef).join(', ')}`);
        else if (inner.type === 'prune') line(`${paint(io, 'bold', 'prune')}     ${inner.count} objects left Git`);
        else if (inner.type === 'object' && inner.entry.action !== 'unchanged') {
          const colour = inner.entry.action === 'failed' ? 'red' : inner.entry.action === 'deleted' ? 'yellow' : 'green';
          line(`  ${paint(io, colour, inner.entry.action.padEnd(10))} ${formatRef(inner.entry.ref)}`);
        }
        break;
      }
    }
  };
}
