/** Which revision of a repository to follow. */
export type GitRef = { branch: string } | { tag: string } | { semver: string } | { commit: string };

/** Credentials from a Secret: basic auth or a bearer token. Never logged. */
export interface GitCredentials {
  username?: string;
  password?: string;
  bearerToken?: string;
}

/** One file of a revision, by its path from the repository (or directory) root. */
export interface SourceFile {
  /** POSIX path relative to the root, e.g. `apps/web/deploy.yaml`. */
  path: string;
  content: Buffer;
  /** The Git blob id, when the file came from Git (a cache key for parsed content). */
  blobId?: string;
}
