import type { SchemaLink, SchemaNode } from './schema.js';
import { ONE_OF } from './unions.js';

/**
 * Keeps of a schema only what changes a merge or a recreate: list semantics, atomic objects,
 * quantities and int-or-string, free-form JSON, maps (their keys are data), the types the one-of
 * table names, immutable fields, and the paths that lead to them. Everything else merges the
 * default way (structs field by
 * field, lists replaced), so dropping it loses nothing; a Deployment's schema shrinks from about
 * 90 types to a few dozen.
 */
export function compactSchema(root: SchemaLink, types: Record<string, SchemaNode>): { root: SchemaLink; types: Record<string, SchemaNode> } {
  const interesting = interestingTypes(types);
  const kept: Record<string, SchemaNode> = {};
  const pending: string[] = [];
  const linkOf = (link: SchemaLink): SchemaLink => {
    if (typeof link !== 'string') return nodeOf(link);
    if (!(link in kept) && !pending.includes(link)) pending.push(link);
    return link;
  };
  const isInteresting = (link: SchemaLink): boolean => (typeof link === 'string' ? interesting.has(link) : nodeInteresting(link, interesting));
  const nodeOf = (node: SchemaNode): SchemaNode => {
    if (node.opaque) return node.immutable ? { opaque: true, immutable: true } : { opaque: true };
    const out: SchemaNode = {};
    if (node.fields) {
      const fields: Record<string, SchemaLink> = {};
      for (const [name, link] of Object.entries(node.fields)) if (isInteresting(link)) fields[name] = linkOf(link);
      if (Object.keys(fields).length > 0) out.fields = fields;
    }
    if (node.values !== undefined) out.values = isInteresting(node.values) ? linkOf(node.values) : {};
    if (node.items !== undefined && isInteresting(node.items)) out.items = linkOf(node.items);
    if (node.list) out.list = node.list;
    if (node.atomic) out.atomic = true;
    if (node.scalar) out.scalar = node.scalar;
    if (node.immutable) out.immutable = true;
    return out;
  };
  const compactRoot = linkOf(root);
  for (let name = pending.shift(); name !== undefined; name = pending.shift()) {
    const node = types[name];
    kept[name] = node ? nodeOf(node) : {};
  }
  return { root: compactRoot, types: kept };
}

/** Named types that matter to a merge, found by fixpoint (types may recurse). */
function interestingTypes(types: Record<string, SchemaNode>): Set<string> {
  const interesting = new Set<string>(Object.keys(ONE_OF).filter((name) => name in types));
  for (let changed = true; changed; ) {
    changed = false;
    for (const [name, node] of Object.entries(types)) {
      if (!interesting.has(name) && nodeInteresting(node, interesting)) {
        interesting.add(name);
        changed = true;
      }
    }
  }
  return interesting;
}

function nodeInteresting(node: SchemaNode, interesting: Set<string>): boolean {
  if (node.list || node.atomic || node.scalar || node.opaque || node.immutable || node.values !== undefined) return true;
  const linkInteresting = (link: SchemaLink) => (typeof link === 'string' ? interesting.has(link) : nodeInteresting(link, interesting));
  if (node.items !== undefined && linkInteresting(node.items)) return true;
  return node.fields !== undefined && Object.values(node.fields).some(linkInteresting);
}
