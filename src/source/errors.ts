import { FerryError } from '../errors.js';

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
