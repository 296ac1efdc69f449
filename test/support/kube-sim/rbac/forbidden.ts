/**
 * The 403 a refused request gets, worded as the API server's authorization filter words it
 * (test/fixtures/kube-apiserver-1.32/case-forbidden.json is one): the resource as
 * `<resource>.<group>`, the object's name when the request named one, the user, the verb, the
 * resource with its subresource, the API group and the namespace or the cluster scope; requests
 * for paths name the path instead.
 */
import { ApiFailure } from '../status.js';
import type { RequestAttributes } from './attributes.js';
import type { UserInfo } from './identity.js';

const quote = (value: string) => JSON.stringify(value);
/** The server escapes what could pass for HTML in the part of the message it builds from the request. */
const sanitize = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function forbiddenMessage(user: UserInfo, attributes: RequestAttributes): string {
  const who = `User ${quote(user.name)}`;
  if (!attributes.resourceRequest) return `${who} cannot ${attributes.verb} path ${quote(attributes.path)}`;
  const resource = attributes.subresource ? `${attributes.resource}/${attributes.subresource}` : attributes.resource;
  const scope = attributes.namespace ? `in the namespace ${quote(attributes.namespace)}` : 'at the cluster scope';
  return `${who} cannot ${attributes.verb} resource ${quote(resource)} in API group ${quote(attributes.apiGroup)} ${scope}`;
}

/** The Forbidden Status for `attributes`, with RBAC's `reason` (if any) after the message. */
export function forbidden(user: UserInfo, attributes: RequestAttributes, reason: string): ApiFailure {
  const cause = sanitize(forbiddenMessage(user, attributes)) + (reason ? `: ${reason}` : '');
  const group = attributes.resourceRequest ? attributes.apiGroup : '';
  const resource = attributes.resourceRequest ? attributes.resource : '';
  const name = attributes.resourceRequest ? attributes.name : '';
  return forbiddenStatus({ group, resource, name }, cause);
}

/**
 * apimachinery's NewForbidden: `<resource>[.<group>] ["<name>"] is forbidden: <cause>`, or
 * `forbidden: <cause>` for no resource; details name the resource, never its subresource.
 */
export function forbiddenStatus(target: { group: string; resource: string; name: string }, cause: string): ApiFailure {
  const qualified = target.group ? `${target.resource}.${target.group}` : target.resource;
  const message = !qualified ? `forbidden: ${cause}` : target.name ? `${qualified} ${quote(target.name)} is forbidden: ${cause}` : `${qualified} is forbidden: ${cause}`;
  const details = { ...(target.name ? { name: target.name } : {}), ...(target.group ? { group: target.group } : {}), ...(target.resource ? { kind: target.resource } : {}) };
  return new ApiFailure(403, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason: 'Forbidden', details, code: 403 });
}
