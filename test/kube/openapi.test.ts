import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { KubeClient } from '../../src/kube/index.js';
import { discoveryExchanges, openApiExchanges, startReplayServer, type RecordedExchange, type ReplayServer } from '../support/replay-server.js';

const captured = (file: string) => JSON.parse(readFileSync(new URL(`../fixtures/kube-apiserver-1.32/openapi-v3/${file}`, import.meta.url), 'utf8')) as Record<string, unknown>;

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

describe('KubeClient.openApiV3', () => {
  it('fetches a group version’s document through the index, as the raw JSON the server sent', async () => {
    const kube = await replaying(openApiExchanges('1.32'));
    expect(await kube.openApiV3('apps/v1')).toEqual(captured('apis_apps_v1.json'));
    expect(await kube.openApiV3('v1')).toEqual(captured('api_v1.json'));
    // The document is read at the content-hashed URL the index names.
    expect(replay!.requestsTo('/openapi/v3/apis/apps/v1')).toMatchObject([{ query: { hash: expect.stringMatching(/^[0-9A-F]{128}$/) }, matched: true }]);
  });

  it('keeps the index and the documents until discovery is invalidated', async () => {
    const kube = await replaying(openApiExchanges('1.32'));
    await Promise.all([kube.openApiV3('apps/v1'), kube.openApiV3('apps/v1')]);
    await kube.openApiV3('batch/v1');
    await kube.openApiV3('apps/v1');
    expect(replay!.requestsTo('/openapi/v3').map((r) => r.path)).toEqual(['/openapi/v3', '/openapi/v3/apis/apps/v1', '/openapi/v3/apis/batch/v1']);
    kube.invalidateDiscovery();
    await kube.openApiV3('apps/v1');
    expect(replay!.requestsTo('/openapi/v3')).toHaveLength(5);
  });

  it('answers undefined for a group version the server does not describe, after asking for a fresh index once', async () => {
    const kube = await replaying(openApiExchanges('1.32'));
    expect(await kube.openApiV3('policy/v1beta1')).toBeUndefined();
    expect(replay!.requestsTo('/openapi/v3').map((r) => r.path)).toEqual(['/openapi/v3', '/openapi/v3']);
  });

  it('answers undefined when the server serves no OpenAPI v3 (404), so callers fall back', async () => {
    const kube = await replaying([]);
    expect(await kube.openApiV3('apps/v1')).toBeUndefined();
    expect(await kube.openApiV3('v1')).toBeUndefined();
    // The absence is remembered like the index would be.
    expect(replay!.requestsTo('/openapi/v3').map((r) => r.path)).toEqual(['/openapi/v3']);
  });
});
