// A real browser for page tests: Debian's chromium driven by playwright-core, fenced to 127.0.0.1, with console
// errors, off-host requests and axe-core accessibility results collected for assertions.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { expect } from 'vitest';

export const CHROMIUM = '/usr/bin/chromium';
export const SCREENSHOT_DIR = fileURLToPath(new URL('../../test-output/screenshots/', import.meta.url));

const axeSource = fs.readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  targets: string[];
}

export interface BrowserSession {
  page: Page;
  context: BrowserContext;
  /** Console errors, uncaught page errors and CSP violations, as "<page url>: <text>". */
  errors: string[];
  /** Every request the page tried to send to a host other than 127.0.0.1 (each was aborted). */
  offHost: string[];
  /** Messages of alert/confirm/prompt dialogs the page opened (an XSS payload that ran); each was dismissed. */
  dialogs: string[];
  /** Logs in through the /login form and waits for the signed-in page. */
  signIn(baseUrl: string, username: string, password: string): Promise<void>;
  /**
   * Saves a screenshot, then expects no off-host request, no console error (CSP violations included), no dialog
   * and no serious or critical axe violation; what was collected so far is taken out, so a failure is reported once.
   */
  expectClean(name: string): Promise<void>;
  /** Saves a full-page screenshot as test-output/screenshots/<name>.png. */
  screenshot(name: string): Promise<string>;
  /** Runs axe-core in the page; returns its serious and critical violations. */
  axe(): Promise<AxeViolation[]>;
  close(): Promise<void>;
}

let shared: Promise<Browser> | null = null;

function launch(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: browser tests need Debian's chromium (apt-get install -y --no-install-recommends chromium)`);
  }
  shared ??= chromium.launch({
    executablePath: CHROMIUM,
    args: [
      // Root in CI containers has no user namespace sandbox to give.
      '--no-sandbox',
      // Names other than 127.0.0.1 do not resolve: nothing can leave the machine even past the route guard.
      '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-domain-reliability',
      '--disable-sync',
      '--no-first-run',
      '--no-pings',
      '--metrics-recording-only',
    ],
  });
  return shared;
}

/** A fresh browser context (its own cookies) with one page. */
export async function openBrowser(): Promise<BrowserSession> {
  const browser = await launch();
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, serviceWorkers: 'block' });
  const errors: string[] = [];
  const offHost: string[] = [];
  const dialogs: string[] = [];
  await context.route('**/*', async (route) => {
    const url = new URL(route.request().url());
    if ((url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '127.0.0.1') {
      offHost.push(url.href);
      return route.abort('blockedbyclient');
    }
    return route.continue();
  });
  const page = await context.newPage();
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`${page.url()}: ${message.text()}`);
  });
  page.on('pageerror', (error) => errors.push(`${page.url()}: uncaught ${error.message}`));
  page.on('dialog', (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  const session: BrowserSession = {
    page,
    context,
    errors,
    offHost,
    dialogs,
    async signIn(baseUrl, username, password) {
      await page.goto(`${baseUrl}/login`);
      await page.getByLabel('Username').fill(username);
      await page.getByLabel('Password').fill(password);
      await page.getByRole('button', { name: 'Log in' }).click();
      await page.getByText('Signed in as').first().waitFor();
    },
    async expectClean(name) {
      await session.screenshot(name);
      expect(offHost.splice(0)).toEqual([]);
      expect(errors.splice(0)).toEqual([]);
      expect(dialogs.splice(0)).toEqual([]);
      expect(await session.axe()).toEqual([]);
    },
    async screenshot(name) {
      fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
      const file = path.join(SCREENSHOT_DIR, `${name}.png`);
      await page.screenshot({ path: file, fullPage: true });
      return file;
    },
    async axe() {
      // evaluate() runs outside the page's CSP, so axe needs no exception in our policy.
      await page.evaluate(axeSource);
      const results = (await page.evaluate(
        `axe.run(document, { resultTypes: ['violations'] }).then((r) => r.violations.map((v) => ({
          id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map((n) => String(n.target)) })))`,
      )) as AxeViolation[];
      return results.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    },
    close: () => context.close(),
  };
  return session;
}

export async function closeBrowser(): Promise<void> {
  const browser = shared;
  shared = null;
  if (browser) await (await browser).close();
}
