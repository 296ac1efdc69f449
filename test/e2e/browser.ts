/**
 * The real browser for page specs, the screenshots and the UI bench: Debian's Chromium driven by
 * playwright-core (never a downloaded browser). Each page records everything the browser
 * received — every HTTP response body and every server-sent event — for the secret scan.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser, type BrowserContextOptions, type Page } from 'playwright-core';

/** Where the browser is: `FERRY_CHROMIUM` or Debian's package path (`.ci/run` installs it). */
export const CHROMIUM_PATH = process.env.FERRY_CHROMIUM ?? '/usr/bin/chromium';

/** Why page specs cannot run here, or undefined when they can. */
export const chromiumMissing = existsSync(CHROMIUM_PATH) ? undefined : `no Chromium at ${CHROMIUM_PATH} (install Debian's chromium, as .ci/run does, or set FERRY_CHROMIUM)`;

/**
 * Flags that keep a headless Chromium to itself: without the background-networking ones it keeps
 * trying Google's services, which a closed network refuses again and again.
 */
const QUIET_FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: QUIET_FLAGS });
}

export interface RecordedPage {
  page: Page;
  /** Every response body and server-sent event data line the page received so far, as text. */
  received(): Promise<string>;
  /** How many HTTP responses the page received (SSE streams included). */
  responses(): number;
  close(): Promise<void>;
}

/** A fresh context (its own storage) and page, recording what reaches the browser. */
export async function openRecordedPage(browser: Browser, options: BrowserContextOptions = {}): Promise<RecordedPage> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, ...options });
  const page = await context.newPage();
  const seen: string[] = [];
  const pending = new Set<Promise<void>>();
  let responses = 0;
  page.on('response', (response) => {
    responses += 1;
    // A stream's body never completes; its frames come from the DevTools protocol below.
    if ((response.headers()['content-type'] ?? '').startsWith('text/event-stream')) return;
    const read = response
      .text()
      .then((text) => void seen.push(text))
      .catch(() => undefined)
      .finally(() => pending.delete(read));
    pending.add(read);
  });
  const devtools = await context.newCDPSession(page);
  await devtools.send('Network.enable');
  devtools.on('Network.eventSourceMessageReceived', (message) => void seen.push(`${message.eventName} ${message.data}`));
  return {
    page,
    async received() {
      await Promise.all(pending);
      return seen.join('\n');
    },
    responses: () => responses,
    async close() {
      await Promise.all(pending);
      await context.close();
    },
  };
}
