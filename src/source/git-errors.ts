import { Errors } from 'isomorphic-git';
import {
  AuthenticationError,
  RefNotFoundError,
  RepositoryNotFoundError,
  SourceError,
  SourceUnreachableError,
} from './errors.js';

/** isomorphic-git's errors → ours, with the URL stripped of credentials. */
export function mapGitError(error: unknown, url: string): SourceError {
  if (error instanceof SourceError) return error;
  const e = error as { code?: string; data?: { statusCode?: number; statusMessage?: string }; message?: string; cause?: { code?: string } };
  const status = e.data?.statusCode;
  if (e.code === Errors.UserCanceledError.code || status === 401 || status === 403) {
    return new AuthenticationError('SOURCE_AUTH_FAILED', `${url}: authentication failed (HTTP ${status ?? 401}); check the credentials Secret (username/password or bearerToken)`, { cause: error });
  }
  if (status === 404) return new RepositoryNotFoundError('SOURCE_REPO_NOT_FOUND', `${url}: repository not found (HTTP 404)`, { cause: error });
  if (e.code === Errors.NotFoundError.code) return new RefNotFoundError('SOURCE_REF_NOT_FOUND', `${url}: ${e.message ?? 'ref not found'}`, { cause: error });
  const network = e.code && /^E[A-Z]+/.test(e.code) ? e.code : e.cause?.code;
  if (network || /ECONNREFUSED|ENOTFOUND|ETIMEDOUT|ECONNRESET|socket hang up/.test(e.message ?? '')) {
    return new SourceUnreachableError('SOURCE_UNREACHABLE', `${url}: unreachable (${network ?? e.message})`, { cause: error });
  }
  if (status) return new SourceUnreachableError('SOURCE_UNREACHABLE', `${url}: the Git server answered HTTP ${status}${e.data?.statusMessage ? ` ${e.data.statusMessage}` : ''}`, { cause: error });
  return new SourceError('SOURCE_FAILED', `${url}: ${(e.message ?? String(error)).split(url).join('')}`, { cause: error });
}
