/**
 * A system Chromium driven by playwright-core, the way every browser test here uses it: Debian's
 * /usr/bin/chromium, or the binary that NNWASM_CHROMIUM names (macOS, another distribution, a
 * build of your own). There is no skip: without the browser the tests fail and say how to get it.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

/** the environment variable that names the Chromium binary when it is not Debian's /usr/bin/chromium */
export const CHROMIUM_ENV = 'NNWASM_CHROMIUM';
export const CHROMIUM = process.env[CHROMIUM_ENV] || '/usr/bin/chromium';

// without the background-networking flags Chromium keeps calling home, which this network refuses
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export interface Chromium {
  context: BrowserContext;
  close(): Promise<void>;
}

/** a Chromium with a fresh, empty profile that `close()` removes */
export async function launchChromium(): Promise<Chromium> {
  if (!existsSync(CHROMIUM))
    throw new Error(process.env[CHROMIUM_ENV]
      ? `${CHROMIUM_ENV}=${CHROMIUM}: no such file; point it at a Chromium binary (macOS: brew install --cask chromium, then ${CHROMIUM_ENV}=/Applications/Chromium.app/Contents/MacOS/Chromium)`
      : `${CHROMIUM} is missing: the browser tests need Chromium. Debian/Ubuntu: apt-get update && apt-get install -y chromium; elsewhere set ${CHROMIUM_ENV} to a Chromium binary`);
  const profile = mkdtempSync(join(tmpdir(), 'nnwasm-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: FLAGS,
    viewport: { width: 1280, height: 900 },
  });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

export interface WatchedPage {
  page: Page;
  /** uncaught exceptions and console errors seen so far, in any frame or worker of the page */
  errors: string[];
}

/** open `url` in a new tab, recording the page's errors so that a test can demand there were none */
export async function openPage(browser: Chromium, url: string): Promise<WatchedPage> {
  const page = await browser.context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(`console: ${msg.text()}`);
  });
  page.on('worker', (worker) => worker.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(`worker console: ${msg.text()}`);
  }));
  await page.goto(url);
  return { page, errors };
}
