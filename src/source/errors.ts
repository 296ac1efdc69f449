import { FerryError } from '../errors.js';
import { formatBytes } from '../text.js';

/** Base of every source error; messages carry the URL without credentials. */
export class SourceError extends FerryError {}
export class RepositoryNotFoundError extends SourceError {}
export class AuthenticationError extends SourceError {}
export class RefNotFoundError extends SourceError {}
export class SourceUnreachableError extends SourceError {}
export class SourceTimeoutError extends SourceError {}
export class UnsafePathError extends SourceError {}
export class FileTooLargeError extends SourceError {}
export class PathNotFoundError extends SourceError {}
/** A gitlink (a submodule's commit) where a sync needs files: ferry does not fetch submodules. */
export class SubmoduleError extends SourceError {}
/** A Git LFS pointer where a sync needs the file itself: ferry does not fetch LFS objects. */
export class LfsPointerError extends SourceError {}
/** The local Git cache could not be read, even after cloning it again. */
export class CacheUnreadableError extends SourceError {}
/** The SSH server's host key is not the one known_hosts lists for it (or none is listed): nothing was sent. */
export class HostKeyError extends SourceError {}
/** An SSH private key that cannot be used: not a private key, encrypted without its passphrase, a wrong passphrase. */
export class SshKeyError extends SourceError {}

/** The one message for a file over the size limit, for Git and local trees alike. */
export function fileTooLarge(path: string, size: number, limit: number): FileTooLargeError {
  return new FileTooLargeError('SOURCE_FILE_TOO_LARGE', `${path}: ${formatBytes(size)} exceeds the ${formatBytes(limit)} file size limit`, {
    details: { path, size, limit },
  });
}
