/**
 * What differs between the Kubernetes versions the simulator can answer as, each read from the
 * captured answers of a real server of that version (test/fixtures/kube-apiserver-<version>/).
 */
import { builtinKinds, type KubeVersion, type SimKind } from './kinds.js';

export type { KubeVersion } from './kinds.js';

/** How the server treats unknown and duplicate fields in a write (the `fieldValidation` parameter). */
export type FieldValidation = 'Ignore' | 'Warn' | 'Strict';

export interface VersionProfile {
  version: KubeVersion;
  /** The body of `GET /version`. */
  info: Record<string, string>;
  kinds: SimKind[];
  /**
   * Whether the `fieldValidation` parameter is honoured (1.25+), and what an absent one means:
   * "Warn: … This is the default in v1.23+" (the parameter's description in the captured
   * OpenAPI documents). 1.19 knows no such parameter and drops unknown fields silently.
   */
  fieldValidation: { honoured: boolean; default: FieldValidation };
  /** `/openapi/v3` (GA in 1.27) and aggregated discovery (`apidiscovery.k8s.io/v2`, 1.30). */
  openApiV3: boolean;
  aggregatedDiscovery: boolean;
  /**
   * What a request for a group version the server does not serve gets: 1.32 answers with a
   * NotFound Status (case-create-removed-api-policy-v1beta1.json); 1.19's catch-all answered
   * plain `404 page not found` (inferred: it is what 1.19 answers for unknown resources).
   */
  unservedGroupVersion: 'status' | 'page';
  /** 1.19 still filled in metadata.selfLink (removed in 1.24). */
  selfLink: boolean;
  /**
   * managedFields entries name the subresource they were written through, and a write never owns
   * what its strategy resets — status, on the main resource (1.22+). 1.19's writers owned the
   * status fields decoding defaulted (a claim's `status.phase`, a CRD's `status.storedVersions`).
   */
  resetFields: boolean;
  messages: {
    subdomain: string;
    label: string;
  };
}

const SUBDOMAIN_REGEX = "regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const LABEL_REGEX = "regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";

const PROFILES: Record<KubeVersion, VersionProfile> = {
  '1.32': {
    version: '1.32',
    info: { major: '1', minor: '32', gitVersion: 'v1.32.13', gitCommit: '', gitTreeState: 'clean', buildDate: '1970-01-01T00:00:00Z', goVersion: 'go1.23.5', compiler: 'gc', platform: 'linux/amd64' },
    kinds: builtinKinds('1.32'),
    fieldValidation: { honoured: true, default: 'Warn' },
    openApiV3: true,
    aggregatedDiscovery: true,
    unservedGroupVersion: 'status',
    selfLink: false,
    resetFields: true,
    messages: {
      subdomain: `a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', ${SUBDOMAIN_REGEX}`,
      label: `a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', ${LABEL_REGEX}`,
    },
  },
  '1.19': {
    version: '1.19',
    info: { major: '1', minor: '19', gitVersion: 'v1.19.16', gitCommit: '', gitTreeState: 'clean', buildDate: '1970-01-01T00:00:00Z', goVersion: 'go1.15.15', compiler: 'gc', platform: 'linux/amd64' },
    kinds: builtinKinds('1.19'),
    fieldValidation: { honoured: false, default: 'Ignore' },
    openApiV3: false,
    aggregatedDiscovery: false,
    unservedGroupVersion: 'page',
    selfLink: true,
    resetFields: false,
    messages: {
      subdomain: `a DNS-1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', ${SUBDOMAIN_REGEX}`,
      label: `a DNS-1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', ${LABEL_REGEX}`,
    },
  },
};

export function profileFor(version: KubeVersion): VersionProfile {
  return PROFILES[version];
}
