/**
 * Git's SSH addresses, read the way git reads them: `ssh://[user@]host[:port]/path` (also
 * `git+ssh://` and `ssh+git://`) and the scp-like `[user@]host:path`, where a `:` comes before
 * any `/` and no `://` follows the scheme. The one place that says whether an address is SSH
 * and what it names, for the transport and for the policy on which schemes a GitSync may use.
 */

export interface SshUrl {
  /** The account to log in as: the URL's, or `git` (what every Git host's deploy keys use). */
  user: string;
  host: string;
  port: number;
  /** What upload-pack is asked to serve: absolute for `ssh://`, relative to the account's home for scp-like. */
  path: string;
  /** How the host appears in known_hosts: `host`, or `[host]:port` off port 22. */
  knownHostsName: string;
  /** The URL as messages show it: a password, if one was written, left out. */
  display: string;
}

const URL_FORM = /^(?:ssh|git\+ssh|ssh\+git):\/\/(?:([^@/]*)@)?(\[[^\]]+\]|[^/:]+)(?::(\d*))?(\/.*)$/i;
/** `[user@]host:path` with no `/` in user or host, and not `host::…` or `host://…`. */
const SCP_FORM = /^(?:([^@/:\s]+)@)?(\[[^\]]+\]|[^@/:\s[\]]+):(?!:|\/\/)(.+)$/;

/** True when git would reach `url` over SSH. */
export function isSshUrl(url: string): boolean {
  return parseSshUrl(url) !== undefined;
}

/** The parts of an SSH address, or undefined when `url` is not one. */
export function parseSshUrl(url: string): SshUrl | undefined {
  const full = URL_FORM.exec(url);
  if (full) {
    const [, userInfo, rawHost, rawPort, rawPath] = full as unknown as [string, string | undefined, string, string | undefined, string];
    const host = unbracket(rawHost);
    const port = rawPort ? Number(rawPort) : 22;
    if (!host || !Number.isInteger(port) || port < 1 || port > 65535) return undefined;
    const user = userInfo === undefined ? undefined : decodeURIComponent(userInfo.split(':')[0] ?? '');
    // git: `ssh://host/~user/repo` means `~user/repo`, a path from that account's home.
    const path = rawPath.startsWith('/~') ? rawPath.slice(1) : rawPath;
    const scheme = url.slice(0, url.indexOf(':'));
    const display = `${scheme}://${user ? `${user}@` : ''}${rawHost}${rawPort ? `:${rawPort}` : ''}${rawPath}`;
    return { user: user || 'git', host, port, path, knownHostsName: knownHostsName(host, port), display };
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) return undefined;
  const scp = SCP_FORM.exec(url);
  if (!scp) return undefined;
  const [, user, rawHost, path] = scp as unknown as [string, string | undefined, string, string];
  const host = unbracket(rawHost);
  if (!host) return undefined;
  return { user: user || 'git', host, port: 22, path, knownHostsName: host, display: url };
}

/** The name known_hosts files use for a host: bare on port 22, `[host]:port` elsewhere. */
export function knownHostsName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

/** The command git runs on the server for a fetch, the path quoted as git quotes it for a shell. */
export function uploadPackCommand(path: string): string {
  return `git-upload-pack '${path.replace(/'/g, `'\\''`).replace(/!/g, `'\\!'`)}'`;
}

function unbracket(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}
