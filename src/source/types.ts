/** Which revision of a repository to follow. */
export type GitRef = { branch: string } | { tag: string } | { semver: string } | { commit: string };

/** Credentials from a Secret (basic auth, a bearer token; for SSH a key and known_hosts), or the CLI's flags. Never logged. */
export interface GitCredentials {
  username?: string;
  password?: string;
  bearerToken?: string;
  /** SSH: a private key (OpenSSH or PEM: ed25519, ECDSA, RSA). */
  identity?: string;
  /** SSH: the identity's passphrase, when it is encrypted. */
  passphrase?: string;
  /** SSH: known_hosts lines; the server's host key must be among them. */
  knownHosts?: string;
  /** SSH: an ssh-agent socket to log in with when there is no identity (the CLI's SSH_AUTH_SOCK). */
  agentSocket?: string;
}

/** One file of a revision, by its path from the repository (or directory) root. */
export interface SourceFile {
  /** POSIX path relative to the root, e.g. `apps/web/deploy.yaml`. */
  path: string;
  content: Buffer;
  /** The Git blob id, when the file came from Git (a cache key for parsed content). */
  blobId?: string;
}

/** What is at a path of a revision. */
export type EntryKind = 'file' | 'directory' | 'missing';

/**
 * The files of one revision, read on demand. Render asks only for what the sync path and the
 * kustomizations it reaches need, so a large repository, or a binary file outside the sync
 * path, costs nothing. Paths are POSIX and relative to the repository root (`''` is the root).
 */
export interface SourceTree {
  /** The commit SHA, or a content hash (`sha256:…`) for a local directory. */
  readonly revision: string;
  /** Whether `path` is a file, a directory, or not there. */
  stat(path: string): Promise<EntryKind>;
  /** Every file under `dir`, recursively, sorted; contents are not read. */
  listFiles(dir: string): Promise<string[]>;
  /** One file (size-limited; a symlink inside the tree is followed). */
  readFile(path: string): Promise<SourceFile>;
}
