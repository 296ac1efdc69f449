import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { KubeClient } from '../../src/kube/index.js';
import type { KubeObject } from '../../src/objects.js';
import { startTestCluster, type TestCluster } from '../support/cluster.js';
import { discoveryExchanges, fixture, startReplayServer, type RecordedExchange, type ReplayServer } from '../support/replay-server.js';

/** The Secret a real 1.32 server stored (its data is the payload a metadata-only list leaves out). */
const stored = (fixture('1.32', '08-secret-secret') as unknown as { stored: KubeObject }).stored;
const secrets = '/api/v1/namespaces/capture/secrets';
const fullList: RecordedExchange = { method: 'GET', path: secrets, status: 200, responseContentType: 'application/json', body: { kind: 'SecretList', apiVersion: 'v1', metadata: { resourceVersion: '5416' }, items: [{ ...stored, kind: undefined, apiVersion: undefined }] } };
// Not among the captured answers: written in the shape the API server documents for
// PartialObjectMetadataList (meta.k8s.io/v1), with the captured Secret's metadata.
const metadataList: RecordedExchange = {
  method: 'GET',
  path: secrets,
  status: 200,
  responseContentType: 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1',
  body: { kind: 'PartialObjectMetadataList', apiVersion: 'meta.k8s.io/v1', metadata: { resourceVersion: '5416' }, items: [{ kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: stored.metadata }] },
  whenAccept: 'as=PartialObjectMetadataList',
};
const notAcceptable: RecordedExchange = {
  ...metadataList,
  status: 406,
  responseContentType: 'application/json',
  body: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'only the following media types are accepted: application/json', reason: 'NotAcceptable', code: 406 },
};

let replay: ReplayServer | undefined;
let client: KubeClient | undefined;
afterEach(async () => {
  client?.close();
  await replay?.stop();
  replay = client = undefined;
});
const replaying = async (exchanges: RecordedExchange[]) => {
  replay = await startReplayServer([...exchanges, ...discoveryExchanges('1.32')]);
  client = KubeClient.fromConfig({ kubeconfig: replay.kubeconfigPath, retry: { maxRetries: 0 } });
  return client;
};
const expected = [{ apiVersion: 'v1', kind: 'Secret', metadata: stored.metadata }];

describe('KubeClient.listMetadata', () => {
  it('asks for PartialObjectMetadataList and gives each item its own kind, without the data', async () => {
    const kube = await replaying([metadataList, fullList]);
    expect(await kube.listMetadata('v1', 'Secret', { namespace: 'capture' })).toEqual(expected);
    expect(replay!.requestsTo(secrets).map((r) => r.headers.accept)).toEqual(['application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json']);
  });

  it('trims the full list of a server that does not send metadata only', async () => {
    const kube = await replaying([fullList]);
    expect(await kube.listMetadata('v1', 'Secret', { namespace: 'capture' })).toEqual(expected);
  });

  it('asks for the full list when the server refuses metadata only (406)', async () => {
    const kube = await replaying([notAcceptable, fullList]);
    expect(await kube.listMetadata('v1', 'Secret', { namespace: 'capture' })).toEqual(expected);
    expect(replay!.requestsTo(secrets).map((r) => r.headers.accept)).toEqual(['application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json', 'application/json']);
  });
});

describe('KubeClient.listMetadata against the cluster', () => {
  let cluster: TestCluster;
  beforeAll(async () => {
    cluster = await startTestCluster();
  });
  afterAll(async () => cluster.stop());

  it('lists Secrets by label, page by page, with their labels and annotations but never their data', async () => {
    const ns = await cluster.newNamespace('meta');
    for (let i = 0; i < 5; i++) {
      await cluster.client.create({ apiVersion: 'v1', kind: 'Secret', metadata: { name: `s-${i}`, namespace: ns, labels: { keep: i % 2 ? 'no' : 'yes' }, annotations: { note: `n${i}` } }, data: { payload: Buffer.from('x'.repeat(1000)).toString('base64') } });
    }
    const listed = await cluster.client.listMetadata('v1', 'Secret', { namespace: ns, labelSelector: 'keep=yes', limit: 2 });
    expect(listed.map((item) => [item.kind, item.apiVersion, item.metadata.name, item.metadata.annotations?.note])).toEqual([
      ['Secret', 'v1', 's-0', 'n0'],
      ['Secret', 'v1', 's-2', 'n2'],
      ['Secret', 'v1', 's-4', 'n4'],
    ]);
    expect(listed.every((item) => Object.keys(item).sort().join() === 'apiVersion,kind,metadata')).toBe(true);
  });
});
