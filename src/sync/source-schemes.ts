/**
 * Which source addresses a GitSync may use. The agent fetches with its own network position and
 * credentials, so a GitSync must not make it read the agent's own files (`file://`), speak
 * protocols nobody vetted, or fetch over plain HTTP unless the agent allows it
 * (`--allow-insecure-http`). The CLI reads local directories and file URLs as its user: it does
 * not ask this module.
 */

/** How a Git address is reached. `git@host:path` (scp-like, as git reads it) is SSH. */
export type GitScheme = 'https' | 'http' | 'ssh' | 'file' | 'other';

/** The scheme of a Git address, read the way git reads it (a `:` before any `/` and no `://` is scp-like SSH). */
export function gitSchemeOf(url: string): GitScheme {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url)?.[1]?.toLowerCase();
  if (scheme === 'https' || scheme === 'http' || scheme === 'file') return scheme;
  if (scheme === 'ssh') return 'ssh';
  if (scheme) return 'other';
  // `<helper>::<address>` names a git remote helper (`ext::` runs a command): never SSH.
  return /^(?:[^@/:\s]+@)?[^@/:\s]+:(?!:|\/\/)/.test(url) ? 'ssh' : 'other';
}

/** What the agent allows beyond HTTPS and SSH. */
export interface SchemeAllowance {
  /** `--allow-insecure-http`: plain `http://` Git and chart repositories, `insecure` OCI registries. */
  allowInsecureHttp?: boolean;
}

/** Why a GitSync's Git address is refused (a sentence naming the field), or undefined when it may be fetched. */
export function refuseGitUrl(url: string, allowance: SchemeAllowance): string | undefined {
  const scheme = gitSchemeOf(url);
  if (scheme === 'https' || scheme === 'ssh') return undefined;
  if (scheme === 'http') return allowance.allowInsecureHttp ? undefined : `spec.source.url: ${url} is plain HTTP; use https:// or ssh://, or start the agent with --allow-insecure-http`;
  if (scheme === 'file') return `spec.source.url: ${url}: the agent does not read file:// repositories (they would be the agent's own files); use https:// or ssh://`;
  return `spec.source.url: ${url}: unsupported scheme; use https://, ssh:// or git@host:path`;
}

/** Why a GitSync's chart repository or registry is refused, or undefined when it may be fetched. */
export function refuseChartRepository(repository: string, insecure: boolean, allowance: SchemeAllowance): string | undefined {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(repository)?.[1]?.toLowerCase();
  const insecureHint = 'or start the agent with --allow-insecure-http';
  if (scheme === 'https') return undefined;
  if (scheme === 'oci') return insecure && !allowance.allowInsecureHttp ? `spec.source.helm.insecure: plain HTTP to the registry ${repository}; use a registry with TLS, ${insecureHint}` : undefined;
  if (scheme === 'http') return allowance.allowInsecureHttp ? undefined : `spec.source.helm.repository: ${repository} is plain HTTP; use https:// or oci://, ${insecureHint}`;
  return `spec.source.helm.repository: ${repository}: unsupported scheme; use https:// or oci://`;
}
