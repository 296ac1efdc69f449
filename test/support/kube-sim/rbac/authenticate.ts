/**
 * Bearer tokens to users, as kube-apiserver's authenticator chain resolves them: a static token
 * (the `--token-auth-file` kind) is one fixed user, a service account token is its account for as
 * long as the account exists, and a request without credentials is `system:anonymous` (anonymous
 * requests are allowed by default). A token nobody issued is refused, never made anonymous.
 */
import { ALL_UNAUTHENTICATED, ANONYMOUS, authenticated, serviceAccountIdentity, type UserInfo } from './identity.js';

type Obj = Record<string, any>;

type Issued = { kind: 'static'; user: UserInfo } | { kind: 'serviceAccount'; namespace: string; name: string; uid?: string };

/** Who made a request, or `undefined` when its credentials are not valid (401). */
export type Authentication = UserInfo | undefined;

export class Authenticator {
  private readonly tokens = new Map<string, Issued>();

  constructor(
    /** The ServiceAccount object of that name, if it exists now. */
    private readonly serviceAccount: (namespace: string, name: string) => Obj | undefined,
    private readonly anonymous: boolean,
  ) {}

  /** A token that always authenticates as `name` (plus `system:authenticated`). */
  issueStatic(token: string, name: string, groups: string[] = []): UserInfo {
    const user = authenticated(name, groups);
    this.tokens.set(token, { kind: 'static', user });
    return user;
  }

  /**
   * A token of a service account. Like a token from the TokenRequest API it is bound to the
   * account object: valid while the account exists (and, when the account existed at issue,
   * while it is that same object, by uid).
   */
  issueServiceAccount(token: string, namespace: string, name: string): UserInfo {
    const uid = this.serviceAccount(namespace, name)?.metadata?.uid as string | undefined;
    this.tokens.set(token, { kind: 'serviceAccount', namespace, name, ...(uid ? { uid } : {}) });
    return serviceAccountIdentity(namespace, name);
  }

  authenticate(authorization: string | undefined): Authentication {
    const [scheme, token, ...rest] = (authorization ?? '').trim().split(/\s+/);
    // Without a bearer token no authenticator speaks up, and the anonymous one takes the request.
    if (!scheme || scheme.toLowerCase() !== 'bearer' || !token || rest.length > 0) {
      return this.anonymous ? { name: ANONYMOUS, groups: [ALL_UNAUTHENTICATED] } : undefined;
    }
    const issued = this.tokens.get(token);
    if (!issued) return undefined;
    if (issued.kind === 'static') return { ...issued.user, groups: [...issued.user.groups] };
    const account = this.serviceAccount(issued.namespace, issued.name);
    if (!account || (issued.uid && account.metadata?.uid !== issued.uid)) return undefined;
    return serviceAccountIdentity(issued.namespace, issued.name, account.metadata?.uid);
  }
}
