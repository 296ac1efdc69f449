/**
 * The one gateway to the Kubernetes API: kubeconfig and in-cluster configuration (exec
 * credential plugins included), discovery (apiVersion + kind → resource), generic operations on
 * any kind as raw JSON, typed errors built from the API's Status answers, retries and a bound
 * on concurrent requests. It knows nothing of Git or sync policy.
 */
export { KubeClient, type KubeClientOptions, type ServerVersion } from './client.js';
export { serviceAccountIdentity, type Identity } from './impersonation.js';
export type { ConnectionOptions } from './connection.js';
export type { RequestEvent } from './connection.js';
export type { ListOptions, ListPage, ObjectMetadata } from './list.js';
export type { WriteOptions, FieldValidation } from './write-options.js';
export type { ApiWarning, WarningHandler } from './warnings.js';
export type { DeleteOptions } from './delete.js';
export type { WatchEvent, WatchOptions } from './watch.js';
export { reflect, type ReflectClient, type ReflectOptions } from './reflect.js';
export type { JsonPatchOperation } from '../objects.js';
export { loadKubeConfig, contextNamespace, type KubeConfigOptions } from './config.js';
export type { ApiResource, ApiGroup } from './discovery.js';
export type { OpenApiDocument } from './openapi.js';
export {
  KubeApiError,
  NotFoundError,
  AlreadyExistsError,
  ConflictError,
  InvalidError,
  ForbiddenError,
  ImpersonatedForbiddenError,
  UnauthorizedError,
  TooManyRequestsError,
  ExpiredError,
  ServerError,
  BadRequestError,
  FieldValidationError,
  NetworkError,
  TimeoutError,
  UnknownKindError,
  KubeConfigError,
  ExecPluginError,
  isPatchTestFailure,
  errorFromResponse,
  type StatusCause,
  type FieldProblem,
} from './errors.js';
export { backoffDelay, isRetryable, DEFAULT_RETRY, type RetryPolicy } from './retry.js';
