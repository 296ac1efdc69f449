/**
 * Sources: Git over HTTP(S) and SSH (ssh2 behind isomorphic-git's HTTP client interface) with isomorphic-git (shallow first clone, incremental fetches, one
 * refs round trip when nothing moved, a cache per repository URL), ref resolution (branch, tag,
 * semver range over tags, commit), credentials, and the files of a revision as a SourceTree read
 * on demand, for Git commits and local directories alike, with the same safety rules. Helm charts
 * without Git: from a repository's index.yaml or an OCI registry, a version range resolved to the
 * highest match, checked against its digest, as a SourceTree of their own. It never talks to
 * Kubernetes.
 */
export { GitSource, type GitSourceOptions, type FetchResult } from './git-source.js';
export { isSshUrl, parseSshUrl, uploadPackCommand, type SshUrl } from './ssh-url.js';
export { openLocalTree, type LocalTreeOptions } from './local-tree.js';
export { parseRefSpec, describeRef, highestMatchingTag } from './refs.js';
export type { GitRef, GitCredentials, SourceFile, SourceTree, EntryKind } from './types.js';
export { treeFromFiles } from './memory-tree.js';
export { ChartSource, sharedChartSource, type ChartSourceOptions, type FetchedChart } from './helm/chart-source.js';
export type { ChartRef, ChartCredentials } from './helm/types.js';
export { pickVersion } from './helm/versions.js';
export {
  SourceError,
  RepositoryNotFoundError,
  AuthenticationError,
  RefNotFoundError,
  SourceUnreachableError,
  SourceTimeoutError,
  UnsafePathError,
  FileTooLargeError,
  PathNotFoundError,
  SubmoduleError,
  LfsPointerError,
  CacheUnreadableError,
  HostKeyError,
  SshKeyError,
} from './errors.js';
