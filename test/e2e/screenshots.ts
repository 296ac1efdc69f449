/**
 * `npm run screenshots`: the pictures in README.md and docs/ui.md, taken from the real page in
 * headless Chromium on the page specs' bed (simulator, Git server, agent) — the overview with a
 * few GitSyncs in different states, and the `shop` GitSync with a hand edit drifted.
 */
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { configMap, deployment, gitSync } from '../agent/harness.js';
import { eventually } from '../support/cluster.js';
import { chromiumMissing, launchBrowser, openRecordedPage } from './browser.js';
import { startUiBed } from './ui-bed.js';

const IMAGES = fileURLToPath(new URL('../../docs/images/', import.meta.url));
const WAIT = { timeout: 120_000 };

if (chromiumMissing) {
  process.stderr.write(`screenshots: ${chromiumMissing}\n`);
  process.exit(2);
}
mkdirSync(IMAGES, { recursive: true });
const env = await startUiBed();
const browser = await launchBrowser();
try {
  const ns = env.namespace;
  const { bed } = env;
  const web = await bed.git.createRepo(`${ns}-web`);
  await web.commitAndPush({ 'deploy/web.yaml': deployment('nginx:1.27'), 'deploy/settings.yaml': configMap('web-settings', 'on') });
  await bed.client.create(gitSync(ns, 'web', web.url, { source: { url: web.url, interval: '1h', path: 'deploy' } }));
  await bed.client.create(gitSync(ns, 'payments', 'http://127.0.0.1:1/payments.git', { source: { url: 'http://127.0.0.1:1/payments.git', interval: '1h', path: 'deploy' } }));
  await bed.client.create(gitSync(ns, 'reports', web.url, { suspend: true }));
  await eventually(async () => (await env.status('web')).lastAppliedRevision && (await env.status('payments')).lastSyncResult, 120_000);
  await bed.client.mergePatch({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'cfg' }, { data: { value: 'by-hand' } });

  // As tall as the page, no empty window below it.
  const overview = await openRecordedPage(browser, { colorScheme: 'light', viewport: { width: 1280, height: 400 } });
  await overview.page.goto(env.ui.url);
  await overview.page.locator(`tr[data-id="${ns}/shop"][data-state="Drifted"]`).waitFor(WAIT);
  await overview.page.locator(`tr[data-id="${ns}/web"][data-state="Ready"]`).waitFor(WAIT);
  await overview.page.screenshot({ path: `${IMAGES}ui-overview.png`, fullPage: true });

  const page = await openRecordedPage(browser, { colorScheme: 'light' });
  await page.page.goto(`${env.ui.url}gitsyncs/${ns}/shop`);
  await page.page.locator('#drift pre.diff').waitFor(WAIT);
  await page.page.locator('#history tr[data-entry="1"]').waitFor(WAIT);
  await page.page.screenshot({ path: `${IMAGES}ui-gitsync.png`, fullPage: true });
  await Promise.all([overview.close(), page.close()]);
  process.stdout.write(`screenshots: ${IMAGES}ui-overview.png, ${IMAGES}ui-gitsync.png\n`);
} finally {
  await browser.close();
  await env.stop();
}
