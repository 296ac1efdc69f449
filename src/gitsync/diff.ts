import type { KubeObject } from '../objects.js';
import { applyObjects, pruneObjects, syncId, type ChangeEntry } from '../apply/index.js';
import { diffObject, formatDiff, type ObjectDiff } from '../diff/index.js';
import { HistoryStore } from '../history/index.js';
import type { KubeClient } from '../kube/index.js';
import { scrubSecrets } from '../log/index.js';
import { clusterFactsFromDiscovery } from '../render/index.js';
import type { GitSource } from '../source/index.js';
import { fetchSource, leaveOutCollectedJobs, renderSource, resolveSyncInputs, settingsFromGitSync, type SyncSettings } from '../sync/index.js';

/** One object diff per desired (and, with prune, pruned) object, and the finished Jobs left out. */
export interface SettingsDiff {
  diffs: ObjectDiff[];
  /** Finished Jobs the TTL controller removed: a sync does not create them again, so no change shows. */
  skipped: ChangeEntry[];
}

/** What a diff shows and what it must never show: the secret values its inputs were resolved with. */
export interface GitSyncDiff extends SettingsDiff {
  secretValues: string[];
}

/**
 * How the cluster differs from Git for one GitSync (`ferry diff NAME`, the UI's drift view): the
 * GitSync's source fetched and rendered as the agent would, diffed three-way against the live
 * objects with the last applied revision as the base, nothing written.
 */
export async function diffGitSync(client: KubeClient, gitsync: KubeObject, deps: { git: GitSource }): Promise<GitSyncDiff> {
  const { settings, secretValues } = await resolveSyncInputs(client, settingsFromGitSync(gitsync));
  return { ...(await diffSettings(client, settings, deps)), secretValues };
}

/** The diff of any sync's settings (a GitSync's, or the command line's) against the cluster. */
export async function diffSettings(client: KubeClient, settings: SyncSettings, deps: { git: GitSource }): Promise<SettingsDiff> {
  const { tree } = await fetchSource(settings, deps);
  const desired = await renderSource(settings, tree, clusterFactsFromDiscovery(client));
  const latest = await new HistoryStore(client, settings.namespace, settings.name).latest();
  const base = latest?.objects ?? [];
  // A finished Job the TTL controller removed is not created again by a sync: no change to show.
  const toWrite = await leaveOutCollectedJobs(client, desired, base);
  const result = await applyObjects(client, {
    sync: syncId(settings.namespace, settings.name),
    desired: toWrite.objects,
    base,
    ignore: settings.ignore,
    diffOnly: true,
    checkOwnership: true,
  });
  if (result.error) throw result.error;
  const diffs: ObjectDiff[] = result.entries.map((entry) => entry.diff).filter((d): d is ObjectDiff => d !== undefined);
  if (settings.prune) diffs.push(...(await prunedDiffs(client, syncId(settings.namespace, settings.name), base, desired)));
  return { diffs, skipped: toWrite.skipped };
}

/** One object's diff as people read it: unified YAML, Secret values masked, inputs' secrets scrubbed. */
export function maskedDiffText(diff: ObjectDiff, secretValues: string[], options: { color?: boolean } = {}): string {
  return scrubSecrets(formatDiff(diff, options), secretValues);
}

/** Objects the last revision applied that Git no longer has, as `delete` diffs — only those prune would delete (its dry run). */
async function prunedDiffs(client: KubeClient, sync: string, base: KubeObject[], desired: KubeObject[]): Promise<ObjectDiff[]> {
  const entries = await pruneObjects(client, { sync, previous: base, desired, dryRun: true });
  const diffs: ObjectDiff[] = [];
  for (const entry of entries.filter((e) => e.action === 'deleted')) {
    const live = await client.getOrNull(entry.ref).catch(() => null);
    if (live) diffs.push(diffObject({ live }));
  }
  return diffs;
}
