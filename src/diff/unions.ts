/**
 * One-of fields of the core types: at most one member may be set, or a member is allowed only for
 * one value of a discriminator. Without a base (after adoption, or a lost history entry) a switch
 * from one member to another would keep both — live's old member and Git's new one — and the
 * server refuses the object. When Git sets a member, the merge drops the others; when a
 * discriminator rules a member out, the merge drops it.
 *
 * Keyed by OpenAPI definition name, so the rule follows the type wherever it is embedded (a
 * CronJob's pod template as much as a Deployment's). The OpenAPI documents do not mark most of
 * these (only SeccompProfile and AppArmorProfile carry `x-kubernetes-unions`); each entry says
 * where the rule comes from — the server's validation and the message it refuses with.
 */
export type OneOf =
  /** At most one of `members` (`'*'`: every field but `except`). */
  | { members: string[] | '*'; except?: string[] }
  /** `member` is allowed only while `discriminator` has `value`. */
  | { discriminator: string; member: string; value: string };

export const ONE_OF: Record<string, OneOf[]> = {
  // Core validation of env: "may not be specified when `value` is not empty".
  'io.k8s.api.core.v1.EnvVar': [{ members: ['value', 'valueFrom'] }],
  // Core validation of valueFrom: "may not have more than one field specified at a time".
  'io.k8s.api.core.v1.EnvVarSource': [{ members: ['fieldRef', 'resourceFieldRef', 'configMapKeyRef', 'secretKeyRef'] }],
  // Core validation of envFrom: "may not have more than one field specified at a time" (prefix is not a source).
  'io.k8s.api.core.v1.EnvFromSource': [{ members: ['configMapRef', 'secretRef'] }],
  // Core validation of volumes: "may not specify more than 1 volume type"; every field of a
  // Volume but its name is a source (the schema marks the list `retainKeys` for this reason).
  'io.k8s.api.core.v1.Volume': [{ members: '*', except: ['name'] }],
  // Core validation of projected sources: "may not specify more than 1 volume type" per source.
  'io.k8s.api.core.v1.VolumeProjection': [{ members: '*' }],
  // Core validation of probes: "may not specify more than 1 handler type".
  'io.k8s.api.core.v1.Probe': [{ members: ['exec', 'httpGet', 'tcpSocket', 'grpc'] }],
  // Core validation of postStart/preStop: "may not specify more than 1 handler type".
  'io.k8s.api.core.v1.LifecycleHandler': [{ members: ['exec', 'httpGet', 'tcpSocket', 'sleep'] }],
  // Core validation of seccomp and AppArmor profiles (the documents' `x-kubernetes-unions`):
  // "can only be set when `type` is Localhost".
  'io.k8s.api.core.v1.SeccompProfile': [{ discriminator: 'type', member: 'localhostProfile', value: 'Localhost' }],
  'io.k8s.api.core.v1.AppArmorProfile': [{ discriminator: 'type', member: 'localhostProfile', value: 'Localhost' }],
  // Apps validation: "may not be specified when strategy `type` is 'Recreate'" (the schema
  // marks the field `retainKeys` for this reason); the server defaults rollingUpdate back for
  // RollingUpdate, so it is dropped only when the type rules it out.
  'io.k8s.api.apps.v1.DeploymentStrategy': [{ discriminator: 'type', member: 'rollingUpdate', value: 'RollingUpdate' }],
  // Apps validation of DaemonSets and StatefulSets: rollingUpdate "only allowed for updateStrategy 'RollingUpdate'".
  'io.k8s.api.apps.v1.DaemonSetUpdateStrategy': [{ discriminator: 'type', member: 'rollingUpdate', value: 'RollingUpdate' }],
  'io.k8s.api.apps.v1.StatefulSetUpdateStrategy': [{ discriminator: 'type', member: 'rollingUpdate', value: 'RollingUpdate' }],
  // Networking validation of backends: "cannot set both resource and service backends".
  'io.k8s.api.networking.v1.IngressBackend': [{ members: ['service', 'resource'] }],
};

/**
 * Applies the one-of rules of type `typeName` to `merged` (what the merge made of live and
 * desired): members desired does not set give way to the one it sets, and members the
 * discriminator rules out go.
 */
export function applyOneOf(merged: Record<string, unknown>, desired: Record<string, unknown>, typeName: string | undefined): void {
  const rules = typeName ? ONE_OF[typeName] : undefined;
  if (!rules) return;
  for (const rule of rules) {
    if ('discriminator' in rule) {
      const value = merged[rule.discriminator];
      if (value !== undefined && value !== rule.value) delete merged[rule.member];
      continue;
    }
    const isMember = (key: string) => (rule.members === '*' ? !(rule.except ?? []).includes(key) : rule.members.includes(key));
    if (!Object.keys(desired).some(isMember)) continue;
    for (const key of Object.keys(merged)) if (isMember(key) && !(key in desired)) delete merged[key];
  }
}
