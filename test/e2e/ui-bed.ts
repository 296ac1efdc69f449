/**
 * What the page specs and the screenshots run against: the API simulator, a Git server and a
 * real agent, one GitSync (`shop`) with a ConfigMap and a Secret synced at two revisions, and
 * `ferry ui`'s server talking to the cluster with the user's kubeconfig.
 */
import { KubeClient } from '../../src/kube/index.js';
import { GitSource } from '../../src/source/index.js';
import { startUiServer, type RunningUi } from '../../src/ui/index.js';
import { configMap, gitSync, startBed, type Bed } from '../agent/harness.js';
import { eventually } from '../support/cluster.js';

/** Values that must never reach the browser: in Git, and written by hand into the live Secret. */
export const PLANTED = 'planted-s3cr3t-9f2c71';
export const PLANTED_BY_HAND = 'by-hand-s3cr3t-4d81e0';
export const PLANTED_VALUES = [PLANTED, PLANTED_BY_HAND].flatMap((value) => [value, Buffer.from(value).toString('base64')]);

const secret = `apiVersion: v1\nkind: Secret\nmetadata:\n  name: creds\nstringData:\n  password: ${PLANTED}\n`;

export interface UiBed {
  bed: Bed;
  namespace: string;
  ui: RunningUi;
  firstSha: string;
  secondSha: string;
  status(name?: string): Promise<Record<string, any>>;
  /** Another `ferry ui`: someone else's kubeconfig, or `-A`. */
  startUiAs(kubeconfigPath: string, options?: { allNamespaces?: boolean }): Promise<RunningUi>;
  stop(): Promise<void>;
}

export async function startUiBed(): Promise<UiBed> {
  const bed = await startBed();
  const servers: RunningUi[] = [];
  try {
    await bed.startAgent();
    const namespace = await bed.cluster.newNamespace('ui');
    const status = async (name = 'shop') => ((await bed.client.get({ apiVersion: 'ferry.dev/v1alpha1', kind: 'GitSync', namespace, name })).status ?? {}) as Record<string, any>;
    const repo = await bed.git.createRepo(namespace);
    const firstSha = await repo.commitAndPush({ 'deploy/cfg.yaml': configMap('cfg', 'v1'), 'deploy/secret.yaml': secret });
    // No self-heal: a hand edit stays, so the page can show it as drift until "Sync now".
    await bed.client.create(gitSync(namespace, 'shop', repo.url, { selfHeal: false, source: { url: repo.url, interval: '1h', path: 'deploy' } }));
    await eventually(async () => (await status()).lastAppliedRevision === firstSha, 90_000);
    const secondSha = await repo.commitAndPush({ 'deploy/cfg.yaml': configMap('cfg', 'v2'), 'deploy/secret.yaml': secret });
    await bed.client.mergePatch({ apiVersion: 'ferry.dev/v1alpha1', kind: 'GitSync', namespace, name: 'shop' }, { metadata: { annotations: { 'ferry.dev/requested-at': new Date().toISOString() } } });
    await eventually(async () => (await status()).lastAppliedRevision === secondSha, 90_000);
    const startUiAs = async (kubeconfigPath: string, options: { allNamespaces?: boolean } = {}) => {
      const client = KubeClient.fromConfig({ kubeconfig: kubeconfigPath });
      const ui = await startUiServer({ client, ...(options.allNamespaces ? {} : { namespace }), port: 0, git: new GitSource({ cacheDir: `${bed.cacheRoot}/ui-${servers.length}` }) });
      servers.push(ui);
      return ui;
    };
    const ui = await startUiAs(bed.cluster.kubeconfigPath);
    return {
      bed,
      namespace,
      ui,
      firstSha,
      secondSha,
      status,
      startUiAs,
      async stop() {
        for (const server of servers) await server.close();
        await bed.stop();
      },
    };
  } catch (error) {
    for (const server of servers) await server.close();
    await bed.stop();
    throw error;
  }
}
