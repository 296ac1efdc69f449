/**
 * `ferry ui` in a real browser: Debian's headless Chromium on the page the server serves, against
 * the API simulator, a Git server and a running agent. Every wait is for something on the page,
 * with a generous ceiling; nothing is timed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { gitSync } from '../agent/harness.js';
import { simOnly } from '../support/cluster.js';
import { role, roleBinding, rule, user } from '../support/rbac-objects.js';
import { chromiumMissing, launchBrowser, openRecordedPage, type RecordedPage } from './browser.js';
import { PLANTED_BY_HAND, PLANTED_VALUES, startUiBed, type UiBed } from './ui-bed.js';

const WAIT = { timeout: 90_000 };
if (chromiumMissing) process.stderr.write(`test/e2e/ui.test.ts skipped: ${chromiumMissing}\n`);

describe.skipIf(Boolean(chromiumMissing) || simOnly.skip)(`ferry ui in Chromium${chromiumMissing ? ` (skipped: ${chromiumMissing})` : ''}`, { timeout: 240_000 }, () => {
  let env: UiBed;
  let browser: Browser;
  let ns: string;
  const pages: RecordedPage[] = [];

  const open = async (base: string, path = '', options: Parameters<typeof openRecordedPage>[1] = {}): Promise<Page> => {
    const recorded = await openRecordedPage(browser, options);
    pages.push(recorded);
    await recorded.page.goto(`${base}${path}`);
    await recorded.page.locator('#app[data-ready="true"]').waitFor(WAIT);
    return recorded.page;
  };
  const row = (page: Page, name: string, state?: string) => page.locator(`tr[data-id="${ns}/${name}"]${state ? `[data-state="${state}"]` : ''}`);
  const confirm = async (page: Page, button: string) => {
    await page.getByRole('button', { name: button, exact: true }).click();
    await page.locator('dialog#confirm[open]').waitFor(WAIT);
    await page.locator('#confirm-ok').click();
  };
  /** Presses Tab until the focused element's text is `text` (a keyboard user's way there). */
  const tabTo = async (page: Page, text: string) => {
    for (let presses = 0; presses < 80; presses++) {
      await page.keyboard.press('Tab');
      if ((await page.evaluate(() => (globalThis as any).document.activeElement?.textContent?.trim())) === text) return;
    }
    throw new Error(`Tab never reached "${text}"`);
  };

  beforeAll(async () => {
    [env, browser] = await Promise.all([startUiBed(), launchBrowser()]);
    ns = env.namespace;
  }, 240_000);

  afterAll(async () => {
    for (const recorded of pages) await recorded.close().catch(() => undefined);
    await browser?.close();
    await env?.stop();
  });

  it('lists the GitSyncs on the overview, each state as an icon and a word', async () => {
    const page = await open(env.ui.url);
    const shop = row(page, 'shop', 'Ready');
    await shop.waitFor(WAIT);
    expect(await shop.locator('td').allInnerTexts()).toEqual(expect.arrayContaining([ns, 'shop', env.secondSha.slice(0, 7), '2']));
    const state = shop.locator('td.state .badge').first();
    expect((await state.locator('.icon').innerText()).trim()).toBe('✔');
    expect((await state.innerText()).trim()).toMatch(/Ready$/);
    expect(await page.locator('.count').innerText()).toBe('1 of 1 GitSyncs');
  });

  it('turns a row Drifted after a hand edit, and the GitSync page shows the field in its diff, Secret values masked', async () => {
    const page = await open(env.ui.url);
    await row(page, 'shop', 'Ready').waitFor(WAIT);
    await env.bed.client.mergePatch({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'cfg' }, { data: { value: 'by-hand' } });
    await env.bed.client.mergePatch({ apiVersion: 'v1', kind: 'Secret', namespace: ns, name: 'creds' }, { data: { password: Buffer.from(PLANTED_BY_HAND).toString('base64') } });
    const drifted = row(page, 'shop', 'Drifted');
    await drifted.waitFor(WAIT);
    expect(await drifted.locator('td.state').innerText()).toContain('Drifted');

    await drifted.getByRole('link', { name: 'shop' }).click();
    await page.waitForURL(`**/gitsyncs/${ns}/shop`, WAIT);
    const cfg = page.locator('#drift article', { hasText: `ConfigMap/${ns}/cfg` });
    await cfg.locator('pre.diff', { hasText: '-  value: by-hand' }).waitFor(WAIT);
    expect(await cfg.innerText()).toContain('/data/value');
    expect(await cfg.locator('pre.diff').innerText()).toContain('+  value: v2');
    const creds = page.locator('#drift article', { hasText: `Secret/${ns}/creds` });
    await creds.locator('pre.diff').waitFor(WAIT);
    expect(await creds.locator('pre.diff').innerText()).toContain('***');
  });

  it('"Sync now", confirmed, makes it Ready again', async () => {
    const page = await open(env.ui.url, `gitsyncs/${ns}/shop`);
    await page.locator('#drift pre.diff').first().waitFor(WAIT);
    await confirm(page, 'Sync now');
    await page.locator('#notice', { hasText: `sync of GitSync ${ns}/shop requested` }).waitFor(WAIT);
    await page.locator('#drift', { hasText: 'The cluster matches Git.' }).waitFor(WAIT);
    await page.locator('.states .badge', { hasText: /^\W*Ready$/ }).first().waitFor(WAIT);
    expect(await page.locator('#drift pre.diff').count()).toBe(0);
  });

  it('rolls back to the chosen history entry, which pins it, and releases the pin', async () => {
    const page = await open(env.ui.url, `gitsyncs/${ns}/shop`);
    await page.locator('#history tr[data-entry="1"]').waitFor(WAIT);
    await confirm(page, 'Roll back to #1');
    await page.locator('#notice', { hasText: 'rolling back to entry 1' }).waitFor(WAIT);
    await page.locator('.states .badge', { hasText: 'Pinned: entry 1' }).waitFor(WAIT);
    expect(String((await env.status()).pinnedRevision)).toMatch(/^entry 1/);
    const overview = await open(env.ui.url);
    await row(overview, 'shop', 'Pinned').waitFor(WAIT);

    await confirm(page, 'Release pin');
    await page.locator('#notice', { hasText: 'released: it follows Git again' }).waitFor(WAIT);
    await row(overview, 'shop', 'Ready').waitFor(WAIT);
    expect((await env.status()).pinnedRevision).toBeUndefined();
  });

  it('shows a user without patch on GitSyncs "you may not …" for an action, and changes nothing', async () => {
    const viewer = env.bed.cluster.sim!.addUser({ name: `viewer-${ns}` });
    await env.bed.client.create(role(ns, 'gitsync-viewer', [rule(['get', 'list', 'watch'], 'ferry.dev', ['gitsyncs']), rule(['get', 'list', 'watch'], '', ['configmaps', 'events', 'pods']), rule(['list'], '', ['secrets'])]));
    await env.bed.client.create(roleBinding(ns, 'gitsync-viewer', { role: 'gitsync-viewer' }, [user(viewer.user)]));
    const readOnly = await env.startUiAs(viewer.kubeconfigPath);
    const before = await env.bed.client.get({ apiVersion: 'ferry.dev/v1alpha1', kind: 'GitSync', namespace: ns, name: 'shop' });
    const page = await open(readOnly.url, `gitsyncs/${ns}/shop`);
    await confirm(page, 'Suspend');
    const refused = page.locator('#notice[role="alert"]', { hasText: `you may not suspend GitSync ${ns}/shop` });
    await refused.waitFor(WAIT);
    expect(await refused.innerText()).toMatch(new RegExp(`^you may not suspend GitSync ${ns}/shop: `));
    const after = await env.bed.client.get({ apiVersion: 'ferry.dev/v1alpha1', kind: 'GitSync', namespace: ns, name: 'shop' });
    expect(after.metadata.resourceVersion).toBe(before.metadata.resourceVersion);
  });

  it('takes a keyboard user from the overview to a GitSync and through an action', async () => {
    const page = await open(env.ui.url);
    await row(page, 'shop').waitFor(WAIT);
    await tabTo(page, 'shop');
    await page.keyboard.press('Enter');
    await page.waitForURL(`**/gitsyncs/${ns}/shop`, WAIT);
    await page.locator('#app[data-ready="true"]').waitFor(WAIT);

    await tabTo(page, 'Sync now');
    await page.keyboard.press('Enter');
    await page.locator('dialog#confirm[open]').waitFor(WAIT);
    // The dialog opens on Cancel; Escape closes it and nothing is sent.
    expect(await page.evaluate(() => (globalThis as any).document.activeElement?.textContent)).toBe('Cancel');
    await page.keyboard.press('Escape');
    await page.locator('dialog#confirm').waitFor({ state: 'hidden', ...WAIT });
    expect(await page.locator('#notice').isHidden()).toBe(true);

    await page.keyboard.press('Enter');
    await page.locator('dialog#confirm[open]').waitFor(WAIT);
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await page.locator('#notice', { hasText: `sync of GitSync ${ns}/shop requested` }).waitFor(WAIT);
  });

  it('keeps a keyboard user\'s place when the live page rebuilds what they are on', async () => {
    const focused = (page: Page) => page.evaluate(() => { const active = (globalThis as any).document.activeElement; return `${active?.tagName}:${active?.textContent?.trim()}`; });
    const overview = await open(env.ui.url);
    await row(overview, 'shop').waitFor(WAIT);
    await tabTo(overview, 'shop');
    await env.bed.client.mergePatch({ apiVersion: 'ferry.dev/v1alpha1', kind: 'GitSync', namespace: ns, name: 'shop' }, { spec: { suspend: true } });
    await row(overview, 'shop', 'Suspended').waitFor(WAIT);
    expect(await focused(overview)).toBe('A:shop');

    const page = await open(env.ui.url, `gitsyncs/${ns}/shop`);
    await tabTo(page, 'Resume');
    await page.keyboard.press('Enter');
    await page.locator('dialog#confirm[open]').waitFor(WAIT);
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    // Resume is replaced by Suspend once the GitSync follows Git again: focus moves onto it.
    await page.getByRole('button', { name: 'Suspend', exact: true }).waitFor(WAIT);
    expect(await focused(page)).toBe('BUTTON:Suspend');
  });

  it('filters the overview by namespace, status and free text', async () => {
    const other = await env.bed.cluster.newNamespace('ui-other');
    await env.bed.client.create(gitSync(ns, 'paused', 'http://127.0.0.1:1/none.git', { suspend: true }));
    await env.bed.client.create(gitSync(other, 'elsewhere', 'http://127.0.0.1:1/none.git', { suspend: true }));
    const everywhere = await env.startUiAs(env.bed.cluster.kubeconfigPath, { allNamespaces: true });
    const page = await open(everywhere.url);
    await page.locator(`tr[data-id="${other}/elsewhere"]`).waitFor(WAIT);
    await row(page, 'paused').waitFor(WAIT);
    const shown = async () => (await page.locator('#gitsyncs tbody tr:not([hidden])').evaluateAll((rows) => rows.map((r: any) => r.dataset.id))).filter((id: string) => id.startsWith(ns) || id.startsWith(other));

    await page.getByLabel('Namespace').selectOption(other);
    expect(await shown()).toEqual([`${other}/elsewhere`]);
    await page.getByLabel('Namespace').selectOption(ns);
    await page.getByLabel('Status').selectOption('Suspended');
    expect(await shown()).toEqual([`${ns}/paused`]);
    await page.getByLabel('Status').selectOption('');
    await page.getByLabel('Search').fill('sho');
    expect(await shown()).toEqual([`${ns}/shop`]);
    // The filters live in the address, so a reload (or a shared link) shows the same rows.
    await page.reload();
    await row(page, 'shop').waitFor(WAIT);
    expect(await page.getByLabel('Search').inputValue()).toBe('sho');
    expect(await page.getByLabel('Namespace').inputValue()).toBe(ns);
    expect(await shown()).toEqual([`${ns}/shop`]);
  });

  it('shows every state on a GitSync page as an icon and a word, never colour alone', async () => {
    const page = await open(env.ui.url, `gitsyncs/${ns}/shop`);
    await page.locator('#history tr[data-entry="1"]').waitFor(WAIT);
    const badges = await page.locator('.badge').evaluateAll((nodes) => nodes.map((node: any) => ({ icon: node.querySelector('.icon')?.textContent ?? '', text: node.textContent as string })));
    expect(badges.length).toBeGreaterThan(5);
    for (const { icon, text } of badges) {
      expect(icon.trim()).not.toBe('');
      expect(text.slice(icon.length).trim()).toMatch(/\w/);
    }
  });

  it('follows the system colour scheme, light and dark', async () => {
    const background = async (colorScheme: 'light' | 'dark') => {
      const page = await open(env.ui.url, `gitsyncs/${ns}/shop`, { colorScheme });
      return page.evaluate(() => (globalThis as any).getComputedStyle((globalThis as any).document.body).backgroundColor as string);
    };
    expect(await background('light')).toBe('rgb(255, 255, 255)');
    expect(await background('dark')).toBe('rgb(13, 17, 23)');
  });

  it('stays readable at 200 % zoom: nothing runs off the side, the actions and filters stay in view', async () => {
    // 200 % of a 1280-pixel window lays out as a 640-pixel one at twice the pixel density.
    const zoomed = { viewport: { width: 640, height: 450 }, deviceScaleFactor: 2 };
    const overflow = (page: Page) => page.evaluate(() => (globalThis as any).document.documentElement.scrollWidth - (globalThis as any).innerWidth) as Promise<number>;
    const overview = await open(env.ui.url, '', zoomed);
    await row(overview, 'shop').waitFor(WAIT);
    expect(await overflow(overview)).toBeLessThanOrEqual(0);
    expect(await overview.getByLabel('Search').isVisible()).toBe(true);
    const page = await open(env.ui.url, `gitsyncs/${ns}/shop`, zoomed);
    await page.locator('#history tr[data-entry="1"]').waitFor(WAIT);
    expect(await overflow(page)).toBeLessThanOrEqual(0);
    const sync = await page.getByRole('button', { name: 'Sync now' }).boundingBox();
    expect(sync && sync.x + sync.width).toBeLessThanOrEqual(640);
  });

  it('never lets a Secret value reach the browser, in any response or server-sent event', async () => {
    let received = '';
    for (const recorded of pages) received += await recorded.received();
    // The pages above showed the Secret's drift: its masked diff is in what they received.
    expect(received).toContain(`Secret/${ns}/creds`);
    expect(received.length).toBeGreaterThan(10_000);
    for (const value of PLANTED_VALUES) expect(received).not.toContain(value);
  });
});
