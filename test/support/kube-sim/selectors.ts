/** Label and field selectors, as the API server parses them. */
type Obj = Record<string, any>;

type Requirement = (labels: Record<string, string>) => boolean;

export function parseLabelSelector(text: string): Requirement[] {
  const requirements: Requirement[] = [];
  // Split on commas that are not inside parentheses (set-based values).
  const parts = text.match(/([^,(]+(\([^)]*\))?)+/g) ?? [];
  for (const raw of parts) {
    const part = raw.trim();
    if (!part) continue;
    let match: RegExpExecArray | null;
    if ((match = /^(\S+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(part))) {
      const [, key = '', op, list = ''] = match;
      const values = new Set(list.split(',').map((v) => v.trim()));
      requirements.push(op === 'in' ? (l) => key in l && values.has(l[key] as string) : (l) => !(key in l) || !values.has(l[key] as string));
    } else if ((match = /^(\S+?)\s*(==|!=|=)\s*(\S*)$/.exec(part))) {
      const [, key = '', op, value = ''] = match;
      requirements.push(op === '!=' ? (l) => l[key] !== value : (l) => l[key] === value);
    } else if ((match = /^!(\S+)$/.exec(part))) {
      const key = match[1] ?? '';
      requirements.push((l) => !(key in l));
    } else {
      const key = part;
      requirements.push((l) => key in l);
    }
  }
  return requirements;
}

export function matchesLabels(object: Obj, requirements: Requirement[]): boolean {
  const labels = (object.metadata?.labels ?? {}) as Record<string, string>;
  return requirements.every((requirement) => requirement(labels));
}

export function matchesFields(object: Obj, selector: string | null): boolean {
  if (!selector) return true;
  return selector.split(',').every((part) => {
    const match = /^([\w.]+)\s*(==|!=|=)\s*(.*)$/.exec(part.trim());
    if (!match) return true;
    const [, path = '', op, value] = match;
    const actual = path.split('.').reduce<any>((node, key) => (node == null ? undefined : node[key]), object);
    return op === '!=' ? String(actual ?? '') !== value : String(actual ?? '') === value;
  });
}

/** A metav1.LabelSelector object (matchLabels and matchExpressions) against a label set; an empty selector matches everything. */
export function labelSelectorMatches(selector: Obj | undefined, labels: Record<string, string> = {}): boolean {
  if (!selector) return false;
  const matchLabels = (selector.matchLabels ?? {}) as Record<string, string>;
  if (!Object.entries(matchLabels).every(([key, value]) => labels[key] === value)) return false;
  return ((selector.matchExpressions ?? []) as Obj[]).every((expression) => {
    const present = Object.hasOwn(labels, expression.key);
    const values = (expression.values ?? []) as string[];
    switch (expression.operator) {
      case 'In':
        return present && values.includes(labels[expression.key] as string);
      case 'NotIn':
        return !present || !values.includes(labels[expression.key] as string);
      case 'Exists':
        return present;
      case 'DoesNotExist':
        return !present;
      default:
        return false;
    }
  });
}
