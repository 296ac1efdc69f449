import { describe, expect, it } from 'vitest';
import { substituteString, substituteVariables } from '../../src/render/index.js';

const variables = { SET: 'value', EMPTY: '' };

describe('${VAR} substitution understands the envsubst forms Flux users write', () => {
  it.each([
    ['${SET}', 'value'],
    ['${EMPTY}', ''],
    ['${SET:-fallback}', 'value'],
    ['${EMPTY:-fallback}', 'fallback'],
    ['${UNSET:-fallback}', 'fallback'],
    ['${UNSET:-}', ''],
    ['${SET:=fallback}', 'value'],
    ['${EMPTY:=fallback}', 'fallback'],
    ['${UNSET:=fallback}', 'fallback'],
    ['${SET:+alternative}', 'alternative'],
    ['${EMPTY:+alternative}', ''],
    ['${UNSET:+alternative}', ''],
    ['${EMPTY-fallback}', ''],
    ['${UNSET-fallback}', 'fallback'],
    ['${EMPTY=fallback}', ''],
    ['${UNSET=fallback}', 'fallback'],
    ['${EMPTY+alternative}', 'alternative'],
    ['${UNSET+alternative}', ''],
    ['https://${SET}.example.com/${UNSET:-path}', 'https://value.example.com/path'],
    ['$${SET}', '${SET}'],
    ['$${UNSET:-x} and ${SET}', '${UNSET:-x} and value'],
  ])('%s → %j', (text, expected) => {
    expect(substituteString(text, variables)).toEqual({ text: expected, unset: [] });
  });

  it.each([
    ['$SET', 'a variable without braces'],
    ['${1}', 'a positional parameter'],
    ['${#ARR[@]}', 'an array length'],
    ['${FILES[-1]##*/}', 'an array element with a pattern'],
    ['${VAR%.*}', 'a suffix removal'],
    ['${VAR:0:3}', 'a substring'],
    ['${instance:regex}', "a Grafana variable's format"],
    ['{{ $labels.instance }}', 'a Go template'],
    ['$(POD_NAME)', "a Kubernetes dependent environment variable"],
    ['$$ and $ {SET}', 'dollars that start nothing'],
  ])('leaves %s alone: %s is not ${IDENTIFIER}', (text) => {
    expect(substituteString(text, variables)).toEqual({ text, unset: [] });
  });

  it('names every unset variable without a default, and leaves it in place', () => {
    expect(substituteString('${A} ${SET} ${B:-b} ${C}', variables)).toEqual({ text: '${A} value b ${C}', unset: ['A', 'C'] });
  });

  it('substitutes values, never keys, and reports where each unset variable is', () => {
    const object = { metadata: { name: 'app-${SET}', labels: { '${SET}': 'x' } }, spec: { args: ['--a=${A}', '--b'], env: [{ name: 'E', value: '${B}' }] } };
    expect(substituteVariables(object, variables)).toEqual({
      value: { metadata: { name: 'app-value', labels: { '${SET}': 'x' } }, spec: { args: ['--a=${A}', '--b'], env: [{ name: 'E', value: '${B}' }] } },
      unset: [
        { variable: 'A', path: ['spec', 'args', 0] },
        { variable: 'B', path: ['spec', 'env', 0, 'value'] },
      ],
    });
  });

  it('lets the caller retype a value that was exactly one variable, and only such a value', () => {
    const seen: string[] = [];
    const retype = (path: ReadonlyArray<string | number>, text: string) => {
      seen.push(`${path.join('.')}=${text}`);
      return Number(text);
    };
    const { value } = substituteVariables({ replicas: '${R}', label: 'r-${R}', other: '${R:-2}' }, { R: '3' }, { retype });
    expect(value).toEqual({ replicas: 3, label: 'r-3', other: 3 });
    expect(seen).toEqual(['replicas=3', 'other=3']);
  });
});
