// A newcomer's path through the web UI in a real browser (Debian's chromium): register, log in, upload an asset,
// find it, watch its anchor confirm, attach a renderer, add and test storage, approve a CLI device code.
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeBitcoin } from '../doubles/fake-bitcoin.js';
import { FakeL1 } from '../doubles/fake-l1.js';
import { FakeCalendar } from '../doubles/ots-calendar.js';
import { closeBrowser, openBrowser, type BrowserSession } from '../helpers/browser.js';
import { client } from '../helpers/http.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { tinyPng } from './media.js';

const STEP = 90_000;
const PASSWORD = 'a newcomer password';

let server: TestServer;
let chain: FakeBitcoin;
let calendars: FakeCalendar[];
let l1: FakeL1;
let browser: BrowserSession;

beforeAll(async () => {
  chain = await FakeBitcoin.start();
  calendars = [await FakeCalendar.start(chain), await FakeCalendar.start(chain)];
  l1 = await FakeL1.start();
  server = await startTestServer({
    env: {
      OTS_CALENDARS: calendars.map((c) => c.url).join(','),
      OTS_MIN_CALENDARS: '2',
      BITCOIN_ESPLORA_URL: chain.esploraUrl,
      L1_SERVERS: l1.url,
      TEMPORAL_UI_URL: 'http://127.0.0.1:8233',
    },
  });
  l1.connectL2({ publicUrl: server.config.publicUrl, url: server.url });
  browser = await openBrowser();
});

afterAll(async () => {
  await browser?.close();
  await closeBrowser();
  await server?.stop();
  await l1?.stop();
  for (const calendar of calendars ?? []) await calendar.stop();
  await chain?.stop();
});

const url = (path: string) => `${server.url}${path}`;

/** After every step: the page made no request off 127.0.0.1, logged no error, ran no dialog, and passes axe. */
const pageIsClean = (name: string) => browser.expectClean(`newcomer-${name}`);

describe('a newcomer in the browser', () => {
  it(
    'registers, logs out and logs in again',
    async () => {
      const { page } = browser;
      await page.goto(url('/'));
      await page.getByRole('link', { name: 'Register' }).first().click();
      await page.getByLabel('Username').fill('newcomer');
      await page.getByLabel('Email (optional)').fill('newcomer@example.test');
      await page.getByLabel('Password').fill(PASSWORD);
      await page.getByRole('button', { name: 'Create account' }).click();
      await page.getByText('Signed in as').first().waitFor();
      await pageIsClean('registered');
      await page.getByRole('button', { name: 'Log out' }).first().click();
      await page.waitForURL(url('/login'));
      await page.getByLabel('Username').fill('newcomer');
      await page.getByLabel('Password').fill(PASSWORD);
      await page.getByRole('button', { name: 'Log in' }).click();
      await page.getByText('Signed in as').first().waitFor();
      expect(await page.locator('nav').innerText()).toContain('newcomer');
      await pageIsClean('logged-in');
    },
    STEP,
  );

  it(
    'uploads an image and finds it on /assets and its page',
    async () => {
      const { page } = browser;
      await page.getByRole('link', { name: 'Upload' }).first().click();
      await page.waitForURL(url('/assets/new'));
      await pageIsClean('upload-form');
      await page.getByLabel('Name').fill('first-light');
      await page.getByLabel('Type').selectOption('image');
      await page.getByLabel('Tags').fill('sunrise, test');
      await page.getByLabel('Description').fill('My first upload <b>in bold?</b>');
      await page.getByLabel('File').setInputFiles({ name: 'first-light.png', mimeType: 'image/png', buffer: tinyPng() });
      await page.getByRole('button', { name: /upload|register/i }).click();
      await page.waitForURL(url('/asset/first-light'));
      await page.getByRole('heading', { level: 1, name: 'first-light' }).waitFor();
      // The preview loaded from our content route: a decoded image, not a broken one.
      await page.waitForFunction(`(() => { const img = document.querySelector('main img'); return !!img && img.complete; })()`);
      expect(
        await page
          .locator('main img')
          .first()
          .evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth),
      ).toBe(16);
      expect(await page.locator('main').innerText()).toContain('My first upload <b>in bold?</b>');
      await pageIsClean('asset-page');

      await page.getByRole('link', { name: 'Assets', exact: true }).first().click();
      await page.waitForURL(url('/assets'));
      await page.getByRole('link', { name: 'first-light' }).first().waitFor();
      await page.getByRole('searchbox').or(page.getByLabel('Search')).first().fill('first');
      await page
        .getByRole('button', { name: /search|filter|apply/i })
        .first()
        .click();
      await page.getByRole('link', { name: 'first-light' }).first().waitFor();
      await pageIsClean('assets-list');
    },
    STEP,
  );

  it(
    'watches the anchor of the upload go from pending to confirmed',
    async () => {
      const { page } = browser;
      const api = client(server.url);
      const login = await api.post('/auth/login', { json: { username: 'newcomer', password: PASSWORD } });
      const created = await api.post('/anchors/create', { token: login.body.access_token });
      expect(created.status).toBe(201);
      await page.goto(url('/asset/first-light'));
      await page
        .getByText(/pending/i)
        .first()
        .waitFor();
      await pageIsClean('anchor-pending');
      const height = calendars[0]!.mine();
      calendars[1]!.mine();
      const upgraded = await api.post(`/anchors/${created.body.merkle_root}/upgrade`, { token: login.body.access_token });
      expect(upgraded.body).toMatchObject({ status: 'confirmed', bitcoin_block: height });
      // No reload: the page's own polling brings the confirmation in.
      await page
        .getByText(new RegExp(`confirmed.*${height}|${height}.*confirmed`, 'is'))
        .first()
        .waitFor({ timeout: 30_000 });
      const proof = page.getByRole('link', { name: /proof|\.ots/i }).first();
      expect(await proof.getAttribute('href')).toMatch(/\/ots$/);
      await pageIsClean('anchor-confirmed');
    },
    STEP,
  );

  it(
    'attaches a renderer through the fake L1 and lands signed in there',
    async () => {
      const { page } = browser;
      await page.goto(url('/renderers'));
      await pageIsClean('renderers');
      await page
        .getByLabel(/L1 server/i)
        .first()
        .selectOption(l1.url);
      await page
        .getByRole('button', { name: /attach/i })
        .first()
        .click();
      await page.waitForURL(`${l1.url}/`);
      expect(await page.locator('#l1-session').innerText()).toBe('Signed in as newcomer');
      expect(l1.signedIn()).toEqual(['newcomer']);
      await page.goto(url('/renderers'));
      expect(await page.locator('main').innerText()).toContain(l1.url);
      await pageIsClean('renderers-attached');
    },
    STEP,
  );

  it(
    'adds a local storage provider and tests it',
    async () => {
      const { page } = browser;
      await page.getByRole('link', { name: 'Storage' }).first().click();
      await page.waitForURL(url('/storage'));
      await page.getByLabel('Name', { exact: true }).fill('my disk');
      await page.getByLabel('Type').selectOption('local');
      await page.getByRole('button', { name: /add provider/i }).click();
      await page.getByRole('cell', { name: 'my disk' }).waitFor();
      await pageIsClean('storage-added');
      await page.getByRole('button', { name: 'Test' }).first().click();
      await page.getByText(/^ok\b/i).first().waitFor();
      await pageIsClean('storage-tested');
    },
    STEP,
  );

  it(
    'approves a CLI device code',
    async () => {
      const { page } = browser;
      const api = client(server.url);
      const code = await api.post('/auth/device/code', { json: { client_id: 'artdag-cli' } });
      expect(code.status).toBe(200);
      await page
        .getByRole('link', { name: /device/i })
        .first()
        .click();
      await page.waitForURL(/\/device/);
      await page.getByLabel('Code').fill(code.body.user_code);
      await page.getByRole('button', { name: 'Continue' }).click();
      await page.getByText(code.body.user_code).first().waitFor();
      await pageIsClean('device-confirm');
      await page.getByRole('button', { name: 'Approve' }).click();
      await page.getByText('is connected to your account').waitFor();
      const token = await api.post('/auth/device/token', {
        json: { grant_type: 'urn:ietf:params:oauth:grant-type:device_code', device_code: code.body.device_code, client_id: 'artdag-cli' },
      });
      expect(token.status).toBe(200);
      const me = await api.get('/auth/me', { token: token.body.access_token });
      expect(me.body.username).toBe('newcomer');
      await pageIsClean('device-approved');
    },
    STEP,
  );
});

describe('every page', () => {
  it(
    'renders cleanly for a signed-in user and the operator',
    async () => {
      const { page } = browser;
      const activity = await client(server.url).get('/activities?limit=1');
      const activityUuid = activity.body.items[0].uuid as string;
      const pages: [string, string][] = [
        ['home', '/'],
        ['assets', '/assets'],
        ['asset-new', '/assets/new'],
        ['asset', '/asset/first-light'],
        ['activities', '/activities'],
        ['activity', `/activity/${activityUuid}`],
        ['users', '/users'],
        ['user', '/users/newcomer'],
        ['renderers', '/renderers'],
        ['anchors', '/anchors/ui'],
        ['storage', '/storage'],
        ['download-client', '/download/client'],
        ['device', '/device'],
        ['docs', '/docs'],
        ['not-found', '/no/such/page'],
      ];
      for (const [name, path] of pages) {
        const response = await page.goto(url(path));
        expect(response?.status(), path).toBe(name === 'not-found' ? 404 : 200);
        await browser.screenshot(`page-${name}`);
        expect(browser.offHost, path).toEqual([]);
        expect(await browser.axe(), path).toEqual([]);
      }
      // A 404 is a console error by design; everything else must be silent.
      expect(browser.errors.filter((e) => !e.includes('/no/such/page'))).toEqual([]);
      browser.errors.length = 0;

      await page.getByRole('button', { name: 'Log out' }).first().click();
      await page.waitForURL(url('/login'));
      await page.getByLabel('Username').fill(server.config.operatorUser);
      await page.getByLabel('Password').fill(fs.readFileSync(server.runtime.operatorPasswordFile!, 'utf8').trim());
      await page.getByRole('button', { name: 'Log in' }).click();
      await page.getByRole('link', { name: 'Operator' }).first().click();
      await page.waitForURL(url('/admin'));
      const temporalLink = page.getByRole('link', { name: /temporal/i }).first();
      expect(await temporalLink.getAttribute('href')).toContain('http://127.0.0.1:8233');
      await pageIsClean('admin');
      for (const [name, path] of [
        ['login', '/login'],
        ['register', '/register'],
        ['logout', '/logout'],
      ] as const) {
        await browser.context.clearCookies();
        await page.goto(url(path));
        await pageIsClean(`page-${name}`);
      }
    },
    STEP * 2,
  );
});
