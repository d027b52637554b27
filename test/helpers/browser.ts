// A real browser for page tests: Debian's chromium driven by playwright-core, fenced to 127.0.0.1, with console
// errors, off-host requests and axe-core accessibility results collected for assertions.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

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
  return {
    page,
    context,
    errors,
    offHost,
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
}

export async function closeBrowser(): Promise<void> {
  const browser = shared;
  shared = null;
  if (browser) await (await browser).close();
}
