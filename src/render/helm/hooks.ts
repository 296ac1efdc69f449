import { isJsonObject } from '../../objects.js';
import { WAVE_ANNOTATION } from '../../well-known.js';

/** Helm's hook annotations, as charts write them. */
export const HELM_HOOK_ANNOTATION = 'helm.sh/hook';
export const HELM_HOOK_WEIGHT_ANNOTATION = 'helm.sh/hook-weight';
export const HELM_HOOK_DELETE_POLICY_ANNOTATION = 'helm.sh/hook-delete-policy';

/** When a hook runs in a sync: before everything else of the revision, or after it is healthy. */
export type HookPhase = 'pre' | 'post';

/** Helm's delete policies: what happens to a hook object around its run. */
export type HookDeletePolicy = 'before-hook-creation' | 'hook-succeeded' | 'hook-failed';

/** What a sync does with one object that carries `helm.sh/hook`. */
export type HelmHook =
  | { action: 'run'; phase: HookPhase; weight: number; deletePolicies: HookDeletePolicy[] }
  /** `test` hooks run only under `helm test`; delete and rollback hooks have no moment in a sync. */
  | { action: 'skip'; reason: 'test' | 'unsupported'; hooks: string[] };

/**
 * Waves the hook layers get (`ferry.dev/wave`), so the existing ordering applies them: pre-install
 * and pre-upgrade hooks far before wave 0, post-install and post-upgrade hooks far after it, each
 * shifted by its `helm.sh/hook-weight` so lower weights go first, as Helm runs them.
 */
export const PRE_HOOK_WAVE = -1_000_000;
export const POST_HOOK_WAVE = 1_000_000;

const PRE = new Set(['pre-install', 'pre-upgrade']);
const POST = new Set(['post-install', 'post-upgrade']);
const TEST = new Set(['test', 'test-success', 'test-failure']);
const POLICIES = new Set<string>(['before-hook-creation', 'hook-succeeded', 'hook-failed']);

/**
 * How a rendered object's Helm hook annotations map onto a sync, the way Argo CD maps them:
 * pre-install/pre-upgrade → an early layer (PreSync), post-install/post-upgrade → a late one
 * (PostSync), test hooks skipped, delete and rollback hooks skipped (a GitOps sync never uninstalls
 * or rolls back through Helm), `crd-install` (Helm 2) an ordinary object. A hook without a delete
 * policy gets `before-hook-creation`, Helm 3's default. Undefined when the object is no hook.
 */
export function helmHookOf(object: unknown): HelmHook | undefined {
  const annotations = annotationsOf(object);
  const hooks = (annotations[HELM_HOOK_ANNOTATION] ?? '').split(',').map((hook) => hook.trim()).filter((hook) => hook !== '' && hook !== 'crd-install');
  if (hooks.length === 0) return undefined;
  const phase: HookPhase | undefined = hooks.some((hook) => PRE.has(hook)) ? 'pre' : hooks.some((hook) => POST.has(hook)) ? 'post' : undefined;
  if (!phase) return { action: 'skip', reason: hooks.some((hook) => TEST.has(hook)) ? 'test' : 'unsupported', hooks };
  const weight = Number.parseInt(annotations[HELM_HOOK_WEIGHT_ANNOTATION] ?? '0', 10);
  const policies = (annotations[HELM_HOOK_DELETE_POLICY_ANNOTATION] ?? '').split(',').map((policy) => policy.trim()).filter((policy): policy is HookDeletePolicy => POLICIES.has(policy));
  return { action: 'run', phase, weight: Number.isFinite(weight) ? weight : 0, deletePolicies: policies.length > 0 ? policies : ['before-hook-creation'] };
}

/**
 * The wave a hook is applied in: its explicit `ferry.dev/wave` when the chart sets one, else its
 * phase's wave shifted by its weight.
 */
export function hookWave(object: unknown, hook: Extract<HelmHook, { action: 'run' }>): string {
  const explicit = annotationsOf(object)[WAVE_ANNOTATION];
  if (explicit !== undefined) return explicit;
  return String((hook.phase === 'pre' ? PRE_HOOK_WAVE : POST_HOOK_WAVE) + hook.weight);
}

function annotationsOf(object: unknown): Record<string, string> {
  const metadata = isJsonObject(object) && isJsonObject(object.metadata) ? object.metadata : undefined;
  const annotations = metadata && isJsonObject(metadata.annotations) ? metadata.annotations : {};
  return Object.fromEntries(Object.entries(annotations).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
}
