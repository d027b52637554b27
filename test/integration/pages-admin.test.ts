// The operator page (/admin) and the anchors page (/anchors/ui): who may see them, and that they show the
// delivery queue, failing hosts, the anchoring backlog and failing L1 notifications from real rows.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contentHashOf } from '../../src/domain/content-hash.js';
import { closeBrowser, openBrowser } from '../helpers/browser.js';
import { browserLogin, client, registerAndLogin, type Browser } from '../helpers/http.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { closedPort } from '../helpers/storage-servers.js';

const HTML = { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' };
const SCRIPT = '<script>alert(1)</script>';

let server: TestServer;
let operator: Browser;
let alice: Browser;
let aliceToken: string;
let counter = 0;

/** The ARTDAG_USER account, signed in with the password the first start wrote. */
async function operatorLogin(s: TestServer): Promise<Browser> {
  const password = fs.readFileSync(path.join(s.config.dataDir, 'secrets', 'operator-password'), 'utf8').trim();
  return browserLogin(s.url, s.config.operatorUser, password);
}

async function register(): Promise<number> {
  const res = await client(server.url).post('/assets', {
    token: aliceToken,
    json: { name: `work-${++counter}`, content_hash: contentHashOf(`work ${counter}`), asset_type: 'image' },
  });
  return (await server.database.db('activities').where({ activity_id: res.body.activity_id }).first()).id as number;
}

beforeAll(async () => {
  // Calendars that refuse connections: anchors stay "created", and nothing leaves the machine.
  const calendars = [`http://127.0.0.1:${await closedPort()}`, `http://127.0.0.1:${await closedPort()}`];
  server = await startTestServer({
    env: { TEMPORAL_UI_URL: 'http://127.0.0.1:8233/', OTS_CALENDARS: calendars.join(','), OTS_MIN_CALENDARS: '1' },
  });
  operator = await operatorLogin(server);
  aliceToken = await registerAndLogin(server.url, 'alice');
  alice = await browserLogin(server.url, 'alice');
});
afterAll(() => server.stop());

describe('who may see /admin', () => {
  it('sends a signed-out browser to log in and back', async () => {
    const res = await client(server.url).get('/admin', { headers: HTML });
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('/login?next=%2Fadmin');
  });

  it('refuses other accounts with a 403 page, and hides the link from them', async () => {
    const res = await alice.page('/admin');
    expect(res.status).toBe(403);
    expect(res.text).toContain('Not allowed');
    expect(res.text).toContain('The operator page is for the operator account');
    expect((await alice.page('/')).text).not.toContain('href="/admin"');
  });

  it('shows the operator the page, linked from the navigation, with the Temporal UI link', async () => {
    const res = await operator.page('/admin');
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.text).toMatch(/href="\/admin" aria-current="page">Operator</);
    expect(res.text).toContain(`href="http://127.0.0.1:8233/namespaces/${server.config.temporal.namespace}/workflows"`);
    expect(res.text).toContain('<a href="/metrics">/metrics</a>');
  });
});

describe('what /admin shows', () => {
  it('lists the delivery queue by host and the failing and unavailable hosts, errors escaped', async () => {
    const { repos } = server.runtime.services;
    const activity = await register();
    await repos.deliveries.plan(server.database.db, activity, [
      'https://queue-one.example/inbox',
      'https://queue-one.example/users/a/inbox',
    ]);
    await repos.deliveries.plan(server.database.db, activity, ['https://queue-two.example/inbox']);
    await repos.deliveries.hostFailed('down.example', SCRIPT, 0);
    await repos.deliveries.hostFailed('flaky.example', 'connect ETIMEDOUT', 7 * 86_400_000);
    const page = (await operator.page('/admin')).text;
    const queueRow = page.slice(page.indexOf('data-host="queue-one.example"'));
    expect(queueRow).toMatch(/<th scope="row">queue-one\.example<\/th>\s*<td>2<\/td>\s*<td>0<\/td>/);
    expect(page).toContain('data-host="queue-two.example"');
    expect(page).toMatch(
      /data-host="down\.example">\s*<th scope="row">down\.example<\/th>\s*<td><span class="badge badge-danger">unavailable/,
    );
    expect(page).toMatch(/data-host="flaky\.example">\s*<th scope="row">flaky\.example<\/th>\s*<td><span class="badge badge-warn">failing/);
    expect(page).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(page).not.toContain(SCRIPT);
  });

  it('counts unanchored activities and lists the oldest anchors not yet confirmed', async () => {
    await register();
    const before = await server.runtime.services.repos.anchors.countUnanchored();
    expect(before).toBeGreaterThan(0);
    expect((await operator.page('/admin')).text).toMatch(new RegExp(`data-stat="unanchored">${before}<`));
    const made = (await server.runtime.services.anchors.createAnchor())!;
    const page = (await operator.page('/admin')).text;
    expect(page).toMatch(/data-stat="unanchored">0</);
    expect(page).toContain(`href="/anchors/ui?root=${made.merkleRoot}"`);
    expect(page).toContain('created: waiting for calendars');
  });

  it('lists failing L1 notifications with the L1 answer escaped', async () => {
    const userId = (await server.database.db('users').where({ username: 'alice' }).first()).id;
    await server.database.db('l1_notifications').insert({
      user_id: userId,
      l1_server: 'https://l1.example',
      kind: 'revoke',
      reference: 'detach:alice:test',
      status: 'failed',
      attempts: 12,
      last_error: `HTTP 500: ${SCRIPT}`,
    });
    const page = (await operator.page('/admin')).text;
    expect(page).toMatch(/<th scope="row">https:\/\/l1\.example<\/th>\s*<td><a href="\/users\/alice">alice<\/a><\/td>\s*<td>detach<\/td>/);
    expect(page).toContain('gave up');
    expect(page).not.toContain(SCRIPT);
  });
});

describe('the anchors page', () => {
  it('lists anchors with status, activity count, block and proof links', async () => {
    const root = (await server.database.db('anchors').orderBy('id', 'desc').first()).merkle_root as string;
    const created = await client(server.url).get('/anchors/ui', { headers: HTML });
    expect(created.status).toBe(200);
    expect(created.text).toContain(`data-root="${root}"`);
    expect(created.text).toContain(`href="/anchors/${root}/tree"`);
    expect(created.text).not.toContain(`href="/anchors/${root}/ots"`);
    await server.database.db('anchors').where({ merkle_root: root }).update({ status: 'confirmed', bitcoin_block: 840_000 });
    const confirmed = (await client(server.url).get(`/anchors/ui?root=${root}`, { headers: HTML })).text;
    expect(confirmed).toMatch(/<span class="badge badge-ok">confirmed on Bitcoin<\/span>/);
    expect(confirmed).toMatch(/<td>840000/);
    expect(confirmed).toContain(`href="/anchors/${root}/ots"`);
    expect(confirmed).toContain('href="/anchors/ui">Show all anchors');
    const redirect = await client(server.url).get(`/anchors/${root}`, { headers: HTML });
    expect(redirect.headers.get('location')).toBe(`/anchors/ui?root=${root}`);
    expect((await client(server.url).get(`/anchors/${root}`)).body.status).toBe('confirmed');
  });

  it('refuses bad roots and cursors, and anchors from a browser form with a 303 and a fixed notice', async () => {
    expect((await client(server.url).get('/anchors/ui?root=nothex', { headers: HTML })).status).toBe(400);
    expect((await client(server.url).get('/anchors/ui?cursor=bogus', { headers: HTML })).status).toBe(400);
    await register();
    expect((await alice.api.post('/anchors/create?wait=0', { form: {}, headers: HTML })).status).toBe(403);
    const res = await alice.submit('/anchors/create?wait=0', {});
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toMatch(/^\/anchors\/ui\?notice=(waiting|created)$/);
    const page = await alice.page(res.headers.get('location')!);
    expect(page.text).toMatch(/<p class="notice" role="status">(The batch is waiting|A new anchor was made)/);
    expect((await alice.page(`/anchors/ui?notice=${encodeURIComponent(SCRIPT)}`)).text).not.toContain('alert(1)');
  });
});

describe('in a real browser', () => {
  it('shows the operator and anchors pages without errors, off-host requests or serious axe violations', async () => {
    const browser = await openBrowser();
    try {
      const { page } = browser;
      await page.goto(`${server.url}/login`);
      await page.getByLabel('Username').fill(server.config.operatorUser);
      const password = fs.readFileSync(path.join(server.config.dataDir, 'secrets', 'operator-password'), 'utf8').trim();
      await page.getByLabel('Password').fill(password);
      await page.getByRole('button', { name: 'Log in' }).click();
      await page.getByText('Signed in as').first().waitFor();
      for (const [name, target] of [
        ['admin', '/admin'],
        ['anchors', '/anchors/ui'],
      ] as const) {
        expect((await page.goto(`${server.url}${target}`))?.status()).toBe(200);
        await browser.screenshot(`operator-${name}`);
        expect(browser.offHost.splice(0)).toEqual([]);
        expect(browser.errors.splice(0)).toEqual([]);
        expect(await browser.axe()).toEqual([]);
      }
    } finally {
      await browser.close();
      await closeBrowser();
    }
  }, 60_000);
});

describe('without a Temporal UI', () => {
  it('says how to set TEMPORAL_UI_URL', async () => {
    const bare = await startTestServer();
    try {
      const res = await (await operatorLogin(bare)).page('/admin');
      expect(res.status).toBe(200);
      expect(res.text).toContain('Set <code>TEMPORAL_UI_URL</code>');
      expect(res.text).not.toContain('Open the Temporal UI');
    } finally {
      await bare.stop();
    }
  });
});
