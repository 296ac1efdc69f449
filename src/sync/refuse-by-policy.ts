import { FerryError } from '../errors.js';
import { inputRefsOf } from './input-refs.js';
import { SyncReason } from './outcome.js';
import type { SyncSettings } from './settings.js';
import { refuseChartRepository, refuseGitUrl } from './source-schemes.js';
import type { TenancyPolicy } from './tenancy-policy.js';

/** A GitSync the agent's tenancy rules refuse; `reason` is its condition's reason (Stalled: a person must change the spec). */
export class TenancyRefusalError extends FerryError {
  constructor(
    code: string,
    message: string,
    readonly reason: SyncReason,
    details: Record<string, unknown>,
  ) {
    super(code, message, { details });
  }
}

/**
 * The policy step, before anything is read for the sync: its source address must have a scheme
 * the agent fetches (https, ssh; http only when allowed), and with `--no-cross-namespace-refs`
 * every Secret and ConfigMap it names must be in its own namespace.
 */
export function refuseByPolicy(settings: SyncSettings, policy: TenancyPolicy): TenancyRefusalError | undefined {
  const where = `GitSync/${settings.namespace}/${settings.name}`;
  const source = settings.source;
  const schemeProblem =
    source.type === 'git' ? refuseGitUrl(source.url, policy) : source.type === 'helm' ? refuseChartRepository(source.repository, source.insecure === true, policy) : `spec.source: a GitSync's source is a Git URL or a chart repository, not a local directory`;
  if (schemeProblem) return new TenancyRefusalError('SYNC_SOURCE_URL_REFUSED', `${where}: ${schemeProblem}`, SyncReason.SourceURLRefused, { field: schemeProblem.slice(0, schemeProblem.indexOf(':')) });
  if (!policy.noCrossNamespaceRefs) return undefined;
  const foreign = inputRefsOf(settings).find((ref) => ref.namespace !== settings.namespace);
  if (!foreign) return undefined;
  return new TenancyRefusalError(
    'SYNC_CROSS_NAMESPACE_REF',
    `${where}: ${foreign.field} names ${foreign.kind}/${foreign.namespace}/${foreign.name}, in another namespace; this agent runs with --no-cross-namespace-refs: a GitSync reads Secrets and ConfigMaps only from its own namespace (${settings.namespace})`,
    SyncReason.CrossNamespaceRefRefused,
    { field: foreign.field, ref: { kind: foreign.kind, namespace: foreign.namespace, name: foreign.name } },
  );
}
