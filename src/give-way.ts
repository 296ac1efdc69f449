import { setImmediate as nextTurn } from 'node:timers/promises';

/**
 * For a long loop on the one event loop (parsing, validating, hashing or diffing a large render):
 * call the returned function between items, and once `budgetMs` of work has gone by since the
 * last break it lets timers and I/O run (a Lease renewal, a watch event, a webhook) before the
 * loop goes on. A 10,000-object render thus never holds the loop for more than a few budgets.
 */
export function givingWay(budgetMs = 10): () => Promise<void> {
  let since = performance.now();
  return async () => {
    if (performance.now() - since < budgetMs) return;
    // Twice: an immediate queued from the poll phase runs before the timers phase comes round.
    await nextTurn();
    await nextTurn();
    since = performance.now();
  };
}
