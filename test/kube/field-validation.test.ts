import { afterEach, describe, expect, it } from 'vitest';
import { FieldValidationError, KubeClient, type ApiWarning, type KubeClientOptions } from '../../src/kube/index.js';
import type { KubeObject } from '../../src/objects.js';
import { parseWarningHeaders } from '../../src/kube/warnings.js';
import { discoveryExchanges, fixture, startReplayServer, type RecordedExchange, type ReplayServer } from '../support/replay-server.js';

const strict = fixture('1.32', 'case-create-unknown-field-strict');
const warn = fixture('1.32', 'case-create-unknown-field-warn');
const typo = strict.requestBody as KubeObject;
const typoInNamespace: KubeObject = { ...typo, metadata: { ...typo.metadata, namespace: 'capture-extra' } };
const misspelt = { problem: 'unknown', path: 'spec.template.spec.containers[0].imagePullPolice', segments: ['spec', 'template', 'spec', 'containers', 0, 'imagePullPolice'] };

/** The recorded answer, as a server that ignores `fieldValidation` gives it to every write (it only warns). */
const ignoringServer = (exchange: RecordedExchange, keep: string[]): RecordedExchange => {
  const url = new URL(exchange.path, 'http://recorded');
  for (const key of [...url.searchParams.keys()]) if (!keep.includes(key)) url.searchParams.delete(key);
  return { ...exchange, path: `${url.pathname}${url.search}` };
};

let replay: ReplayServer | undefined;
let client: KubeClient | undefined;
afterEach(async () => {
  client?.close();
  await replay?.stop();
  replay = undefined;
  client = undefined;
});
const replaying = async (exchanges: RecordedExchange[], options: KubeClientOptions = {}) => {
  replay = await startReplayServer([...exchanges, ...discoveryExchanges('1.32')]);
  client = KubeClient.fromConfig({ kubeconfig: replay.kubeconfigPath, retry: { maxRetries: 0 }, ...options });
  return client;
};

describe('strict field validation', () => {
  it('asks for fieldValidation=Strict on writes and dry runs, and turns the 400 into an error naming the object and the field', async () => {
    const kube = await replaying([strict]);
    const error = await kube.create(typoInNamespace, { dryRun: true }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FieldValidationError);
    expect(error).toMatchObject({
      code: 'KUBE_FIELD_VALIDATION',
      status: 400,
      message: 'Deployment/capture-extra/typo: unknown field "spec.template.spec.containers[0].imagePullPolice"',
      ref: { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'capture-extra', name: 'typo' },
      fields: [misspelt],
      written: false,
    });
    expect(replay!.requestsTo('/apis/apps/v1/namespaces').map((r) => r.query)).toEqual([{ dryRun: 'All', fieldManager: 'ferry', fieldValidation: 'Strict' }]);
  });

  it('treats the unknown-field warnings of a server that ignores the parameter as the same error', async () => {
    const kube = await replaying([ignoringServer(warn, ['dryRun'])]);
    await expect(kube.create(typoInNamespace, { dryRun: true })).rejects.toMatchObject({
      code: 'KUBE_FIELD_VALIDATION',
      message: 'Deployment/capture-extra/typo: unknown field "spec.template.spec.containers[0].imagePullPolice"',
      fields: [misspelt],
      written: false,
    });
  });

  it('says so when such a server stored the object regardless (a real write, not a dry run)', async () => {
    const kube = await replaying([ignoringServer(warn, [])]);
    const error = await kube.create(typoInNamespace).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FieldValidationError);
    expect(error).toMatchObject({ written: true, message: expect.stringMatching(/imagePullPolice"; the server does not enforce strict field validation and stored the object without it$/) });
  });

  it('with fieldValidation Warn, writes the object and hands the unknown-field warning on', async () => {
    const warnings: ApiWarning[] = [];
    const kube = await replaying([warn]);
    const created = await kube.create(typoInNamespace, { dryRun: true, fieldValidation: 'Warn', onWarning: (w) => warnings.push(w) });
    expect(created.metadata.uid).toBeTruthy();
    expect(warnings).toEqual([
      { code: 299, agent: '-', text: 'unknown field "spec.template.spec.containers[0].imagePullPolice"', subject: 'Deployment/capture-extra/typo', verb: 'create', ref: { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'capture-extra', name: 'typo' } },
    ]);
  });

  it('hands every other warning to the client’s handler, never dropping one', async () => {
    const deprecation = '299 - "autoscaling/v2beta2 HorizontalPodAutoscaler is deprecated in v1.23+, unavailable in v1.26+; use autoscaling/v2 HorizontalPodAutoscaler"';
    const created = fixture('1.32', 'case-create-configmap');
    const heard: ApiWarning[] = [];
    const kube = await replaying([{ ...created, warning: [deprecation, '299 - "a second, with a comma"'] }], { onWarning: (w) => heard.push(w) });
    const configMap = created.requestBody as KubeObject;
    await kube.create({ ...configMap, metadata: { ...configMap.metadata, namespace: 'capture' } });
    expect(heard.map((w) => w.text)).toEqual([
      'autoscaling/v2beta2 HorizontalPodAutoscaler is deprecated in v1.23+, unavailable in v1.26+; use autoscaling/v2 HorizontalPodAutoscaler',
      'a second, with a comma',
    ]);
  });
});

describe('Warning headers', () => {
  it.each([
    ['one warning', ['299 - "unknown field \\"spec.foo\\""'], [{ code: 299, agent: '-', text: 'unknown field "spec.foo"' }]],
    ['two in one header', ['299 - "first, with a comma", 299 - "second"'], [{ code: 299, agent: '-', text: 'first, with a comma' }, { code: 299, agent: '-', text: 'second' }]],
    ['a warn-date', ['299 apiserver "dated" "Sat, 25 Aug 2012 23:34:45 GMT"'], [{ code: 299, agent: 'apiserver', text: 'dated' }]],
    ['an escaped backslash', ['299 - "a \\\\ b"'], [{ code: 299, agent: '-', text: 'a \\ b' }]],
    ['a value that is not RFC 7234, kept whole', ['just text'], [{ code: 299, agent: '-', text: 'just text' }]],
  ])('parses %s', (_name, values, expected) => {
    expect(parseWarningHeaders(values)).toEqual(expected);
  });
});
