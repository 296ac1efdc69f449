/** Where a chart comes from without Git: a Helm repository or an OCI registry. */
export interface ChartRef {
  /** `https://charts.example.com` (a repository with an index.yaml) or `oci://registry.example.com/charts`. */
  repository: string;
  chart: string;
  /** An exact version or a range (`>=1.2 <2`, `~1.2`); default: the latest stable version. */
  version?: string;
  /** For `oci://` and `http://` repositories: allow plain HTTP (a registry on localhost). */
  insecure?: boolean;
}

/** From a Secret: basic auth or a bearer token, and a CA to trust. Never logged. */
export interface ChartCredentials {
  username?: string;
  password?: string;
  /** For OCI registries: a registry token, sent as `Authorization: Bearer`. */
  bearerToken?: string;
  /** PEM, from the Secret's `ca.crt`. */
  caCert?: string;
}
