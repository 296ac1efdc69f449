import { describe, expect, it } from 'vitest';
import { locateHelmError } from '../../../src/render/helm/locate-error.js';

const context = { chart: { name: 'shop', version: '0.3.0' }, chartDir: 'charts/shop', chartFile: 'charts/shop/Chart.yaml', paths: new Map([['/tmp/ferry-helm-x/values/0.yaml', 'ConfigMap/shop/values[values.yaml]']]), secrets: ['s3cr3t-db-password'] };
const located = (stderr: string) => {
  const p = locateHelmError(stderr, context);
  return `${p.code} ${p.file}:${p.line}:${p.column} ${p.message}`;
};

describe('locating what helm 3 and helm 4 report', () => {
  it.each([
    [
      'helm 4: a value that is not set',
      'Error: shop/templates/configmap.yaml:7:27\n  executing "shop/templates/configmap.yaml" at <.Values.database.host>:\n    nil pointer evaluating interface {}.host\n\nUse --debug flag to render out invalid YAML\n',
      'RENDER_HELM_TEMPLATE charts/shop/templates/configmap.yaml:7:27 chart shop 0.3.0: values key database.host is missing: database is not set in the values (at <.Values.database.host>)',
    ],
    [
      'helm 3: a value that is not set',
      'Error: template: shop/templates/configmap.yaml:7:27: executing "shop/templates/configmap.yaml" at <.Values.database.host>: nil pointer evaluating interface {}.host\n',
      'RENDER_HELM_TEMPLATE charts/shop/templates/configmap.yaml:7:27 chart shop 0.3.0: values key database.host is missing: database is not set in the values (at <.Values.database.host>)',
    ],
    [
      'helm 3: a failure inside an included helper is located in the helper',
      'Error: template: shop/templates/deployment.yaml:12:14: executing "shop/templates/deployment.yaml" at <include "shop.image" .>: error calling include: template: shop/templates/_helpers.tpl:30:20: executing "shop.image" at <.Values.image.registry.host>: nil pointer evaluating interface {}.host\n',
      'RENDER_HELM_TEMPLATE charts/shop/templates/_helpers.tpl:30:20 chart shop 0.3.0: values key image.registry.host is missing: image.registry is not set in the values (at <.Values.image.registry.host>)',
    ],
    [
      'required',
      'Error: execution error at (shop/templates/ingress.yaml:7:15): ingress.host must be set\n',
      'RENDER_HELM_TEMPLATE charts/shop/templates/ingress.yaml:7:15 chart shop 0.3.0: ingress.host must be set',
    ],
    [
      'a subchart’s template',
      'Error: execution error at (shop/charts/cache/templates/deployment.yaml:3:9): cache.port must be a number\n',
      'RENDER_HELM_TEMPLATE charts/shop/charts/cache/templates/deployment.yaml:3:9 chart shop 0.3.0: cache.port must be a number',
    ],
    [
      'a parse error',
      'Error: parse error at (shop/templates/service.yaml:7): unexpected "}" in operand\n',
      'RENDER_HELM_TEMPLATE charts/shop/templates/service.yaml:7:1 chart shop 0.3.0: unexpected "}" in operand',
    ],
    [
      'YAML that does not parse',
      'Error: YAML parse error on shop/templates/configmap.yaml: error converting YAML to JSON: yaml: line 7: mapping values are not allowed in this context\n',
      'RENDER_HELM_YAML charts/shop/templates/configmap.yaml:7:1 chart shop 0.3.0: the rendered template is not valid YAML: mapping values are not allowed in this context (line 7 of its output)',
    ],
    [
      'a values layer that does not parse, named as the user knows it',
      'Error: failed to parse /tmp/ferry-helm-x/values/0.yaml: error converting YAML to JSON: yaml: line 2: did not find expected key\n',
      'RENDER_HELM_FAILED charts/shop/Chart.yaml:1:1 chart shop 0.3.0: failed to parse ConfigMap/shop/values[values.yaml]: error converting YAML to JSON: yaml: line 2: did not find expected key',
    ],
    [
      'anything else, at Chart.yaml, with values from Secrets masked',
      'Error: chart requires kubeVersion: >=1.25.0-0 which is incompatible with Kubernetes v1.19.4 (password s3cr3t-db-password)\n',
      'RENDER_HELM_FAILED charts/shop/Chart.yaml:1:1 chart shop 0.3.0: chart requires kubeVersion: >=1.25.0-0 which is incompatible with Kubernetes v1.19.4 (password ***)',
    ],
  ])('%s', (_, stderr, expected) => {
    expect(located(stderr)).toBe(expected);
  });
});
