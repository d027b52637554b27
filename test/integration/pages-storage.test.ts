// The storage pages as a browser sees them: add (per-type fields by HTMX, or by the form itself without
// JavaScript), test, edit and delete, each form with bad input and without its CSRF token, provider names with XSS
// payloads, and the same pages in a real browser.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeBrowser, openBrowser, type BrowserSession } from '../helpers/browser.js';
import { browserLogin, client, registerAndLogin, type Browser } from '../helpers/http.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { closedPort } from '../helpers/storage-servers.js';

const HTML = { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' };
const SCRIPT = '<script>alert(1)</script>';
const IMG = '"><img src=x onerror=alert(1)>';

function expectInert(html: string): void {
  expect(html).not.toContain('<script>alert');
  expect(html).not.toContain('<img src=x');
}

let server: TestServer;
let api: ReturnType<typeof client>;
let alice: Browser;
let aliceToken: string;
let bob: Browser;
let bobToken: string;

beforeAll(async () => {
  server = await startTestServer();
  api = client(server.url);
  aliceToken = await registerAndLogin(server.url, 'alice');
  bobToken = await registerAndLogin(server.url, 'bob');
  alice = await browserLogin(server.url, 'alice');
  bob = await browserLogin(server.url, 'bob');
});
afterAll(() => server.stop());

const db = () => server.database.db;

describe('storage', () => {
  const providerId = async (name: string) => (await db()('storage_providers').where({ name }).first()).id as number;

  it('adds a provider by form with a 303, lists it with test, edit and delete', async () => {
    const page = await bob.page('/storage');
    expect(page.text).toContain('hx-get="/storage/type"');
    expect(page.text).toContain('<label for="name">Name</label>');
    const added = await bob.submit('/storage', { name: 'my-disk', type: 'local', intent: 'add' });
    expect(added.status).toBe(303);
    expect(added.headers.get('location')).toBe('/storage?notice=added');
    const id = await providerId('my-disk');
    const list = await bob.page('/storage?notice=added');
    expect(list.text).toContain('Provider added.');
    expect(list.text).toContain(`hx-post="/storage/${id}/test"`);
    expect(list.text).toContain(`href="/storage/${id}/edit"`);
    expect(list.text).toContain(`href="/storage/${id}/delete"`);
    expect(list.text).not.toMatch(/\sonclick=/i);
  });

  it('re-renders bad input with errors next to the fields, values kept and credentials never echoed', async () => {
    const bad = await bob.submit('/storage', {
      name: '',
      type: 's3',
      region: 'Not A Region',
      bucket: '',
      prefix: 'renders/',
      access_key_id: 'AKIAEXAMPLEKEYID1234',
      secret_access_key: 'super-secret-value',
    });
    expect(bad.status).toBe(400);
    for (const field of ['name', 'region', 'bucket']) expect(bad.text).toContain(`id="${field}-error"`);
    expect(bad.text).toContain('value="Not A Region"');
    expect(bad.text).toContain('value="renders/"');
    expect(bad.text).not.toContain('super-secret-value');
    expect(bad.text).not.toContain('AKIAEXAMPLEKEYID1234');
    const taken = await bob.submit('/storage', { name: 'my-disk', type: 'local' });
    expect(taken.status).toBe(409);
    expect(taken.text).toMatch(/id="name-error">You already have/);
    expect((await bob.api.post('/storage', { form: { name: 'forged', type: 'local' }, headers: HTML })).status).toBe(403);
  });

  it('switches the per-type fields without JavaScript, by ?type= or by posting the form back', async () => {
    const switched = await bob.submit('/storage', { name: 'keep-me', type: 'ipfs', intent: 'switch' });
    expect(switched.status).toBe(200);
    expect(switched.text).toContain('name="api_url"');
    expect(switched.text).toContain('value="keep-me"');
    expect(switched.text).not.toContain('id="name-error"');
    expect((await bob.page('/storage?type=s3')).text).toContain('name="bucket"');
    const fragment = await bob.api.get('/storage/type?type=ipfs', { headers: { ...HTML, 'hx-request': 'true' } });
    expect(fragment.text).toContain('<label for="api_url">');
    expect(fragment.text).not.toContain('<html');
  });

  it('tests a provider: a fragment for HTMX, a whole page without JavaScript, and the failure named', async () => {
    const id = await providerId('my-disk');
    const htmx = await bob.api.post(`/storage/${id}/test`, { form: { _csrf: bob.csrf }, headers: { ...HTML, 'hx-request': 'true' } });
    expect(htmx.status).toBe(200);
    expect(htmx.text).toContain('badge-ok');
    expect(htmx.text).not.toContain('<html');
    const full = await bob.submit(`/storage/${id}/test`, {});
    expect(full.status).toBe(200);
    expect(full.text).toContain('<h1>Storage</h1>');
    expect(full.text).toMatch(new RegExp(`id="test-${id}"[^>]*>\\s*<p class="storage-result"><span class="badge badge-ok">ok`));
    const dead = await api.post('/storage/add', {
      token: bobToken,
      json: { name: 'dead-node', type: 'ipfs', config: { api_url: `http://127.0.0.1:${await closedPort()}` } },
    });
    const failed = await bob.submit(`/storage/${dead.body.id}/test`, {});
    expect(failed.text).toMatch(
      new RegExp(`id="test-${dead.body.id}"[^>]*>\\s*<p class="storage-result"><span class="badge badge-danger">failed`),
    );
    expect((await bob.api.post(`/storage/${id}/test`, { form: {}, headers: HTML })).status).toBe(403);
  });

  it('edits a provider: current values shown, secrets only as "set", blank secrets kept, bad input re-rendered', async () => {
    const created = await api.post('/storage/add', {
      token: bobToken,
      json: {
        name: 'bucket-one',
        type: 's3',
        config: { region: 'eu-west-1', bucket: 'art-bucket' },
        secrets: { access_key_id: 'AKIAEXAMPLEKEYID1234', secret_access_key: 'super-secret-value' },
      },
    });
    const id = created.body.id as number;
    const form = await bob.page(`/storage/${id}/edit`);
    expect(form.status).toBe(200);
    expect(form.text).toContain('value="art-bucket"');
    expect(form.text).toContain('Set. Leave blank to keep it.');
    expect(form.text).not.toContain('super-secret-value');
    expect(form.text).not.toContain('AKIAEXAMPLEKEYID1234');
    const bad = await bob.submit(`/storage/${id}/edit`, { name: 'bucket-one', region: 'eu-west-1', bucket: 'X', enabled: 'on' });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('id="bucket-error"');
    expect(bad.text).toContain('value="X"');
    const saved = await bob.submit(`/storage/${id}/edit`, { name: 'bucket-two', region: 'eu-west-2', bucket: 'art-bucket' });
    expect(saved.status).toBe(303);
    const view = (await api.get(`/storage/${id}`, { token: bobToken })).body;
    expect(view).toMatchObject({ name: 'bucket-two', enabled: false, config: { region: 'eu-west-2', bucket: 'art-bucket' } });
    expect(Object.keys(view.secrets).sort()).toEqual(['access_key_id', 'secret_access_key']);
    expect(
      (await bob.api.post(`/storage/${id}/edit`, { form: { name: 'x', region: 'eu-west-1', bucket: 'abc' }, headers: HTML })).status,
    ).toBe(403);
    expect((await alice.page(`/storage/${id}/edit`)).status).toBe(404);
  });

  it('deletes after a confirmation page, by form only', async () => {
    const id = await providerId('dead-node');
    const confirm = await bob.page(`/storage/${id}/delete`);
    expect(confirm.status).toBe(200);
    expect(confirm.text).toMatch(
      new RegExp(`<form method="post" action="/storage/${id}/delete"[^>]*>\\s*<input type="hidden" name="_csrf"`),
    );
    expect(confirm.text).not.toMatch(/\sonclick=/i);
    expect((await alice.submit(`/storage/${id}/delete`, {})).status).toBe(404);
    expect((await bob.api.post(`/storage/${id}/delete`, { form: {}, headers: HTML })).status).toBe(403);
    const deleted = await bob.submit(`/storage/${id}/delete`, {});
    expect(deleted.status).toBe(303);
    expect(deleted.headers.get('location')).toBe('/storage?notice=deleted');
    expect(await db()('storage_providers').where({ id })).toEqual([]);
  });

  it('renders provider names with payloads inert on every storage page', async () => {
    for (const name of [SCRIPT, IMG]) await api.post('/storage/add', { token: aliceToken, json: { name, type: 'local' } });
    const id = await providerId(IMG);
    for (const path of ['/storage', `/storage/${id}/edit`, `/storage/${id}/delete`]) {
      const page = await alice.page(path);
      expect(page.status).toBe(200);
      expectInert(page.text);
    }
    const bad = await alice.submit('/storage', { name: SCRIPT, type: 'ipfs', api_url: IMG });
    expect(bad.status).toBe(400);
    expectInert(bad.text);
  });
});

describe('in a real browser', () => {
  let browser: BrowserSession;

  beforeAll(async () => {
    browser = await openBrowser();
    await browser.signIn(server.url, 'alice', 'a good password');
  });
  afterAll(async () => {
    await browser?.close();
    await closeBrowser();
  });

  /** The page made no off-host request, logged no error (CSP included), ran no payload, and passes axe. */
  const clean = (name: string) => browser.expectClean(`storage-${name}`);

  it('shows the storage, edit and delete pages cleanly, payloads included', async () => {
    const provider = (await db()('storage_providers').where({ name: IMG }).first()).id as number;
    for (const [name, path] of [
      ['list', '/storage'],
      ['edit', `/storage/${provider}/edit`],
      ['delete', `/storage/${provider}/delete`],
    ] as const) {
      expect((await browser.page.goto(`${server.url}${path}`))?.status(), path).toBe(200);
      await clean(name);
    }
  }, 60_000);

  it('swaps the storage fields and shows a connection test with HTMX', async () => {
    const { page } = browser;
    await page.goto(`${server.url}/storage`);
    await page.getByLabel('Type').selectOption('s3');
    await page.getByLabel('Bucket').waitFor();
    await page.getByLabel('Type').selectOption('local');
    await page.getByText("The server's own disk.").waitFor();
    const row = page.locator('tr', { has: page.getByRole('rowheader', { name: SCRIPT }) });
    await row.getByRole('button', { name: /^Test/ }).click();
    await row.locator('.storage-result').waitFor();
    expect(await row.locator('.storage-result').innerText()).toContain('ok');
    expect(page.url()).toBe(`${server.url}/storage`);
    await clean('tested');
  }, 60_000);
});
