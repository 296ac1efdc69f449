/**
 * The one gateway to the Kubernetes API: kubeconfig and in-cluster configuration (exec
 * credential plugins included), discovery (apiVersion + kind → resource), generic operations on
 * any kind as raw JSON, typed errors built from the API's Status answers, retries and a bound
 * on concurrent requests. It knows nothing of Git or sync policy.
 */
export { KubeClient, type KubeClientOptions, type ListOptions, type WriteOptions, type DeleteOptions, type JsonPatchOperation, type RequestEvent, type WatchEvent, type WatchOptions } from './client.js';
export { loadKubeConfig, contextNamespace, type KubeConfigOptions } from './config.js';
export type { ApiResource } from './discovery.js';
export {
  KubeApiError,
  NotFoundError,
  AlreadyExistsError,
  ConflictError,
  InvalidError,
  ForbiddenError,
  UnauthorizedError,
  TooManyRequestsError,
  ExpiredError,
  ServerError,
  BadRequestError,
  NetworkError,
  TimeoutError,
  UnknownKindError,
  KubeConfigError,
  ExecPluginError,
  isPatchTestFailure,
  errorFromResponse,
  type StatusCause,
} from './errors.js';
export { backoffDelay, isRetryable, DEFAULT_RETRY, type RetryPolicy } from './retry.js';
