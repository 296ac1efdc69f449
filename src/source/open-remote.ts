import { stripUrlCredentials } from '../log/index.js';
import { authOptions } from './auth.js';
import { stoppableHttp } from './git-http.js';
import type { Remote } from './remote-refs.js';
import { readIdentity } from './ssh-identity.js';
import { SshTransport } from './ssh-transport.js';
import { parseSshUrl } from './ssh-url.js';
import type { GitCredentials } from './types.js';

/**
 * isomorphic-git takes only http(s) URLs; over SSH it is given this stand-in, which no request
 * ever goes to: the SSH transport reads only the path's end (`/info/refs…`, `/git-upload-pack`).
 */
const SSH_STAND_IN = 'https://ssh.invalid/repository.git';

/** The remote a fetch talks to: smart HTTP, or SSH (ssh:// and scp-like addresses) behind the same interface. */
export function openRemote(url: string, credentials: GitCredentials | undefined, signal: AbortSignal): Remote {
  const ssh = parseSshUrl(url);
  if (!ssh) {
    const http = stoppableHttp(signal);
    return { url, cleanUrl: stripUrlCredentials(url), auth: authOptions(credentials), call: (operation) => operation(http) };
  }
  const identity = credentials?.identity ? readIdentity(credentials.identity, credentials.passphrase, ssh.display) : undefined;
  const access = {
    ...(identity ? { identity } : {}),
    ...(!identity && credentials?.agentSocket ? { agentSocket: credentials.agentSocket } : {}),
    knownHosts: credentials?.knownHosts ?? '',
  };
  return {
    url: SSH_STAND_IN,
    cleanUrl: ssh.display,
    auth: authOptions(undefined),
    async call(operation) {
      // One connection per call, closed when it returns: nothing stays open between polls.
      const transport = new SshTransport(ssh, access, signal);
      try {
        return await operation(transport.http);
      } finally {
        await transport.close();
      }
    },
  };
}
