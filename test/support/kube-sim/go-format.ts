/**
 * Values as Go's `%#v` prints them, for the `Invalid value: …` part of validation messages
 * (`v1.LabelSelector{MatchLabels:map[string]string{"app":"web"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}`).
 * Only the small types the simulator's causes name are covered.
 */
type Obj = Record<string, any>;

const quote = (value: unknown) => JSON.stringify(String(value ?? ''));

/** `map[string]string{"a":"1", "b":"2"}`; Go prints map keys sorted. */
export function goStringMap(map: Record<string, unknown> | undefined): string {
  if (!map) return 'map[string]string(nil)';
  const entries = Object.keys(map)
    .sort()
    .map((key) => `${quote(key)}:${quote(map[key])}`);
  return `map[string]string{${entries.join(', ')}}`;
}

/** `[]string{"a", "b"}`. */
export function goStringSlice(values: unknown[] | undefined): string {
  if (!values) return '[]string(nil)';
  return `[]string{${values.map(quote).join(', ')}}`;
}

export function goLabelSelector(selector: Obj | undefined | null): string {
  if (!selector) return '(*v1.LabelSelector)(nil)';
  const expressions = selector.matchExpressions as Obj[] | undefined;
  const rendered = expressions
    ? `[]v1.LabelSelectorRequirement{${expressions.map((e) => `v1.LabelSelectorRequirement{Key:${quote(e.key)}, Operator:${quote(e.operator)}, Values:${goStringSlice(e.values)}}`).join(', ')}}`
    : '[]v1.LabelSelectorRequirement(nil)';
  return `v1.LabelSelector{MatchLabels:${goStringMap(selector.matchLabels)}, MatchExpressions:${rendered}}`;
}

export function goRoleRef(roleRef: Obj | undefined): string {
  return `rbac.RoleRef{APIGroup:${quote(roleRef?.apiGroup)}, Kind:${quote(roleRef?.kind)}, Name:${quote(roleRef?.name)}}`;
}

/** A Go value too large to print here (the real server prints every field of the struct). */
export function goElided(type: string): string {
  return `${type}{…}`;
}

/** A scalar as `%#v` prints it: strings quoted, numbers and booleans bare. */
export function goScalar(value: unknown): string {
  return typeof value === 'string' ? quote(value) : String(value);
}
