/**
 * Rendering: the files of one revision → a validated, located list of Kubernetes objects. It
 * reads only what the sync path reaches through a SourceTree: one file (as `kubectl apply -f`),
 * a plain YAML/JSON directory (multi-document, Lists flattened), or a kustomization and what it
 * references, built by the real kustomize in a scratch copy of just those files. `${VAR}`
 * substitution is opt-in; every problem is reported with its file, line and field. A Helm chart
 * (a directory with a Chart.yaml) is rendered by the real helm (src/render/helm). What it must
 * know about the cluster (scopes of kinds, the version and APIs a chart's .Capabilities ask
 * about) comes in as ClusterFacts: it never talks to Kubernetes.
 */
export { hashObject } from '../objects.js';
export { renderManifests, type RenderOptions, type RenderResult, type RenderedObject, type RenderType, type SourceLocation } from './render.js';
export { RenderError, formatProblem, type RenderProblem } from './errors.js';
export { clusterFactsFromDiscovery, type ClusterFacts, type Capabilities, type KindDiscovery, type Scope } from './cluster-facts.js';
export type { HelmOptions } from './helm/template.js';
export { valuesAtPath, secretStringsOf, type HelmValues } from './helm/values.js';
export { helmHookOf, HELM_HOOK_ANNOTATION, HELM_HOOK_DELETE_POLICY_ANNOTATION, type HelmHook, type HookDeletePolicy } from './helm/hooks.js';
export { RenderCache, sharedRenderCache } from './cache.js';
export { isClusterScopedKind } from '../scope.js';
export { substituteVariables, substituteString } from './substitute.js';
export { formatFieldPath, type FieldPath } from './field-path.js';
