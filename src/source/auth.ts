import type { GitCredentials } from './types.js';

/** What isomorphic-git's remote calls take for authentication. */
export interface AuthOptions {
  onAuth?: () => { username: string; password: string };
  onAuthFailure?: () => { cancel: true };
  headers?: Record<string, string>;
}

/**
 * Credentials → isomorphic-git options: basic auth through onAuth, a bearer token as a header.
 * A failed attempt cancels instead of retrying, so wrong credentials fail once, clearly.
 */
export function authOptions(credentials: GitCredentials | undefined): AuthOptions {
  if (credentials?.bearerToken) return { headers: { Authorization: `Bearer ${credentials.bearerToken}` }, onAuthFailure: () => ({ cancel: true }) };
  if (credentials?.password !== undefined || credentials?.username !== undefined) {
    const username = credentials.username ?? 'git';
    const password = credentials.password ?? '';
    return { onAuth: () => ({ username, password }), onAuthFailure: () => ({ cancel: true }) };
  }
  return { onAuthFailure: () => ({ cancel: true }) };
}

/** isomorphic-git adds its protocol header to the headers object it is given: every call gets a copy. */
export function withFreshHeaders(auth: AuthOptions): AuthOptions {
  return auth.headers ? { ...auth, headers: { ...auth.headers } } : auth;
}
