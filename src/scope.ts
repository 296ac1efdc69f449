import { groupOf } from './objects.js';

/**
 * The one table of which built-in kinds live outside namespaces: the fallback when discovery
 * cannot say (no cluster at hand, or a kind the server does not serve yet). Keys are `group/Kind`.
 */
const CLUSTER_SCOPED = new Set([
  '/Namespace',
  '/Node',
  '/PersistentVolume',
  '/ComponentStatus',
  'rbac.authorization.k8s.io/ClusterRole',
  'rbac.authorization.k8s.io/ClusterRoleBinding',
  'apiextensions.k8s.io/CustomResourceDefinition',
  'storage.k8s.io/StorageClass',
  'storage.k8s.io/CSIDriver',
  'storage.k8s.io/CSINode',
  'storage.k8s.io/VolumeAttachment',
  'networking.k8s.io/IngressClass',
  'scheduling.k8s.io/PriorityClass',
  'node.k8s.io/RuntimeClass',
  'policy/PodSecurityPolicy',
  'apiregistration.k8s.io/APIService',
  'admissionregistration.k8s.io/MutatingWebhookConfiguration',
  'admissionregistration.k8s.io/ValidatingWebhookConfiguration',
  'admissionregistration.k8s.io/ValidatingAdmissionPolicy',
  'admissionregistration.k8s.io/ValidatingAdmissionPolicyBinding',
  'certificates.k8s.io/CertificateSigningRequest',
  'flowcontrol.apiserver.k8s.io/FlowSchema',
  'flowcontrol.apiserver.k8s.io/PriorityLevelConfiguration',
]);

/**
 * True for built-in kinds known to be cluster-scoped. Render asks this only after a CRD of the
 * same render and the cluster's discovery had no answer (src/render/cluster-facts.ts).
 */
export function isClusterScopedKind(apiVersion: string, kind: string): boolean {
  return CLUSTER_SCOPED.has(`${groupOf(apiVersion)}/${kind}`);
}
