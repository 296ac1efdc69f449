import type { KubeObject } from '../objects.js';
import { groupOf, isJsonObject } from '../objects.js';

/**
 * Values the API server allocates for a Service and keeps when an update leaves them empty —
 * its `patchAllocatedValues`: `clusterIP` (`""` or absent), `clusterIPs` (empty), each port's
 * `nodePort` (0 or absent: the old port of the same name, unless another port uses it) and
 * `healthCheckNodePort`, each only while both the old and the new Service need it (type
 * NodePort/LoadBalancer for node ports, LoadBalancer with `externalTrafficPolicy: Local` for the
 * health check port, anything but ExternalName for cluster IPs). Git that leaves them empty, or
 * stops setting them, is therefore not drift; the target keeps what the server would.
 */
export function keepAllocatedValues(target: KubeObject, live: KubeObject): void {
  if (target.kind !== 'Service' || groupOf(target.apiVersion) !== '') return;
  const next = isJsonObject(target.spec) ? target.spec : undefined;
  const old = isJsonObject(live.spec) ? live.spec : undefined;
  if (!next || !old) return;
  if (needsClusterIP(old) && needsClusterIP(next)) {
    if (!next.clusterIP && old.clusterIP !== undefined) next.clusterIP = old.clusterIP;
    if (!(Array.isArray(next.clusterIPs) && next.clusterIPs.length > 0) && Array.isArray(old.clusterIPs) && old.clusterIPs.length > 0) next.clusterIPs = structuredClone(old.clusterIPs);
  }
  if (needsNodePort(old) && needsNodePort(next)) {
    const oldPorts = portsOf(old);
    const newPorts = portsOf(next);
    const inUse = new Set(newPorts.map((port) => port.nodePort).filter((nodePort) => nodePort && oldPorts.some((o) => o.nodePort === nodePort)));
    const byName = new Map(oldPorts.map((port) => [String(port.name ?? ''), port.nodePort]));
    for (const port of newPorts) {
      if (port.nodePort) continue;
      const previous = byName.get(String(port.name ?? ''));
      if (previous && !inUse.has(previous)) port.nodePort = previous;
    }
  }
  if (needsHealthCheckNodePort(old) && needsHealthCheckNodePort(next) && !next.healthCheckNodePort && old.healthCheckNodePort) {
    next.healthCheckNodePort = old.healthCheckNodePort;
  }
}

const typeOf = (spec: Record<string, unknown>) => spec.type ?? 'ClusterIP';
const needsClusterIP = (spec: Record<string, unknown>) => typeOf(spec) !== 'ExternalName';
const needsNodePort = (spec: Record<string, unknown>) => typeOf(spec) === 'NodePort' || typeOf(spec) === 'LoadBalancer';
const needsHealthCheckNodePort = (spec: Record<string, unknown>) => typeOf(spec) === 'LoadBalancer' && spec.externalTrafficPolicy === 'Local';

function portsOf(spec: Record<string, unknown>): Array<Record<string, unknown>> {
  return Array.isArray(spec.ports) ? spec.ports.filter(isJsonObject) : [];
}
