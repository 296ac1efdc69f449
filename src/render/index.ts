/**
 * Rendering: the files of one revision → a validated, located list of Kubernetes objects. Plain
 * YAML/JSON directories (multi-document, Lists flattened), kustomize (the real binary or
 * `kubectl kustomize`), `${VAR}` substitution, and validation that reports every problem with its
 * file and line. It never talks to Kubernetes.
 */
export { hashObject } from '../objects.js';
export { renderManifests, type RenderOptions, type RenderResult, type RenderedObject, type RenderType, type SourceLocation } from './render.js';
export { RenderError, formatProblem, type RenderProblem } from './errors.js';
export { isClusterScopedKind } from '../scope.js';
export { substituteVariables } from './substitute.js';
