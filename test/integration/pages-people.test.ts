// The people and settings pages as a browser sees them: the user directory, profiles (HTML for browsers,
// ActivityStreams for fediverse clients), renderers, the device and download pages (storage: pages-storage.test.ts). Every form is tried
// with bad input and without its CSRF token, and every user- or remote-controlled string with XSS payloads.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contentHashOf } from '../../src/domain/content-hash.js';
import { FakeL1 } from '../doubles/fake-l1.js';
import { closeBrowser, openBrowser, type BrowserSession } from '../helpers/browser.js';
import { browserLogin, client, registerAndLogin, type Browser } from '../helpers/http.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const HTML = { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' };
const SCRIPT = '<script>alert(1)</script>';
const IMG = '"><img src=x onerror=alert(1)>';

/** No payload survives as markup: no raw tags, no attribute break-out. */
function expectInert(html: string): void {
  expect(html).not.toContain('<script>alert');
  expect(html).not.toContain('<img src=x');
  expect(html).not.toMatch(/href="javascript:/i);
}

let server: TestServer;
let l1: FakeL1;
let api: ReturnType<typeof client>;
let alice: Browser;
let aliceToken: string;

beforeAll(async () => {
  l1 = await FakeL1.start();
  server = await startTestServer({ env: { L1_SERVERS: l1.url } });
  l1.connectL2({ publicUrl: server.config.publicUrl, url: server.url });
  api = client(server.url);
  aliceToken = await registerAndLogin(server.url, 'alice');
  await registerAndLogin(server.url, 'bob');
  alice = await browserLogin(server.url, 'alice');
  await api.post('/assets', {
    token: aliceToken,
    json: { name: 'first-light', content_hash: contentHashOf('first light'), asset_type: 'image' },
  });
});
afterAll(async () => {
  await server.stop();
  await l1.stop();
});

const db = () => server.database.db;
const userId = async (name: string) => (await db()('users').where({ username: name }).first()).id as number;

/** A follower of `user` known from federation, with the actor document a remote server gave us. */
async function addRemoteFollower(user: string, actorId: string, fields: { name: string; preferred_username: string; summary: string }) {
  const { repos } = server.runtime.services;
  await repos.remoteActors.upsert({
    actor_id: actorId,
    inbox_url: `${actorId}/inbox`,
    shared_inbox_url: null,
    public_key_id: `${actorId}#main-key`,
    public_key_pem: null,
    preferred_username: fields.preferred_username,
    name: fields.name,
    document: { id: actorId, type: 'Person', summary: fields.summary, url: 'javascript:alert(1)' },
  });
  await repos.followers.upsert(db(), {
    user_id: await userId(user),
    actor_id: actorId,
    inbox_url: `${actorId}/inbox`,
    shared_inbox_url: null,
    follow_activity_id: `${actorId}/follows/1`,
    state: 'accepted',
  });
}

describe('the user directory', () => {
  it('lists users with display name, handle and counts, thirty to a page with keyset paging', async () => {
    for (let i = 0; i < 30; i++)
      await server.runtime.services.repos.users.create({ username: `extra_${i}`, email: null, passwordHash: 'x', isOperator: false });
    const first = await alice.page('/users');
    expect(first.status).toBe(200);
    expect(first.text).toContain('@extra_29@l2.test');
    expect(first.text).not.toContain('@alice@l2.test');
    const next = /href="(\/users\?cursor=[^"]+)" rel="next"/.exec(first.text)![1]!;
    const second = await alice.page(next.replace(/&amp;/g, '&'));
    expect(second.text).toContain('>@alice@l2.test<');
    expect(second.text).toMatch(/href="\/users\/alice"/);
    expect(second.text).toContain('href="/users">Newest users');
    expect(second.text).not.toContain('rel="next"');
    const card = second.text.split('<li class="person card">').find((c) => c.includes('@alice@l2.test'))!;
    expect(card).toMatch(/data-stat="assets">1</);
    expect((await alice.page('/users?cursor=nonsense')).status).toBe(400);
  });
});

describe('profiles at /users/{name}', () => {
  it('shows browsers the profile: handle with a copy button, counts, recent assets and followers', async () => {
    await addRemoteFollower('alice', 'https://remote.example/users/carol', {
      name: 'Carol',
      preferred_username: 'carol',
      summary: '<p>I paint &amp; draw</p>',
    });
    const page = await client(server.url).get('/users/alice', { headers: HTML });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(page.headers.get('vary')).toMatch(/accept/i);
    expect(page.text).toContain('<code id="follow-handle">@alice@l2.test</code>');
    expect(page.text).toContain('data-copy="#follow-handle"');
    expect(page.text).toMatch(/data-stat="followers">1</);
    expect(page.text).toMatch(/data-stat="following">0</);
    expect(page.text).toContain('href="/asset/first-light"');
    expect(page.text).toContain('href="/assets?owner=alice"');
    expect(page.text).toContain('@carol@remote.example');
    expect(page.text).toContain('I paint &amp; draw');
    expect(page.text).toContain('href="https://remote.example/users/carol"');
  });

  it('still serves ActivityStreams to fediverse clients, with Vary: Accept', async () => {
    for (const accept of ['application/activity+json', 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"']) {
      const res = await client(server.url).get('/users/alice', { headers: { accept } });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toContain(accept.split(';')[0]!);
      expect(res.headers.get('vary')).toMatch(/accept/i);
      expect(res.body).toMatchObject({ type: 'Person', preferredUsername: 'alice', id: 'https://l2.test/users/alice' });
    }
  });

  it('answers a friendly 404 page for an unknown user', async () => {
    const res = await client(server.url).get('/users/nobody', { headers: HTML });
    expect(res.status).toBe(404);
    expect(res.text).toContain('No user &quot;nobody&quot;');
  });

  it('renders payloads in display names, summaries and remote actor data inert', async () => {
    await db()('users').where({ username: 'bob' }).update({ display_name: SCRIPT, summary: IMG });
    await addRemoteFollower('bob', 'https://evil.example/users/mallory', {
      name: '&lt;img src=x onerror=alert(1)&gt;',
      preferred_username: SCRIPT,
      summary: `&lt;script&gt;alert(1)&lt;/script&gt; ${IMG}`,
    });
    await addRemoteFollower('bob', 'javascript:alert(1)', { name: SCRIPT, preferred_username: 'x', summary: SCRIPT });
    for (const path of ['/users/bob', '/users?cursor=' + Buffer.from(`id:${(await userId('bob')) + 1}`).toString('base64url')]) {
      const page = await alice.page(path);
      expect(page.status).toBe(200);
      expectInert(page.text);
      expect(page.text).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    }
    const profile = (await alice.page('/users/bob')).text;
    expect(profile).toContain('&quot;&gt;');
    expect(profile).not.toContain('href="javascript:alert(1)"');
  });
});

describe('renderers', () => {
  async function attach(): Promise<void> {
    const res = await alice.submit('/renderers/attach', { l1: l1.url });
    expect(res.status).toBe(303);
    expect((await fetch(res.headers.get('location')!, { redirect: 'manual' })).status).toBeLessThan(400);
  }

  it('lists an attached L1 with a CSRF-protected detach form, and detaches with a 303', async () => {
    await attach();
    const page = await alice.page('/renderers');
    expect(page.status).toBe(200);
    expect(page.text).toContain(`href="${l1.url}"`);
    expect(page.text).toMatch(/<form method="post" action="\/renderers\/detach"[^>]*>\s*<input type="hidden" name="_csrf"/);
    expect(page.text).toContain('<label for="l1">L1 server</label>');
    const forged = await alice.api.post('/renderers/detach', { form: { l1_server: l1.url }, headers: HTML });
    expect(forged.status).toBe(403);
    const detached = await alice.submit('/renderers/detach', { l1_server: l1.url });
    expect(detached.status).toBe(303);
    expect(detached.headers.get('location')).toBe('/renderers?notice=detached');
    const after = await alice.page('/renderers?notice=detached');
    expect(after.text).toContain('Detached: its tokens no longer work here');
    expect(after.text).toContain('No L1 is attached to your account.');
  });

  it('creates a token once with a copy button, and revokes it by form', async () => {
    const created = await alice.submit('/renderers/grants', { l1_server: l1.url });
    expect(created.status).toBe(201);
    expect(created.text).toMatch(/<code id="new-grant-token" class="token">agr_[A-Za-z0-9_-]+<\/code>/);
    expect(created.text).toContain('data-copy="#new-grant-token"');
    const id = /action="\/renderers\/grants\/(\d+)\/revoke"/.exec(created.text)![1]!;
    expect((await alice.api.post(`/renderers/grants/${id}/revoke`, { form: {}, headers: HTML })).status).toBe(403);
    const revoked = await alice.submit(`/renderers/grants/${id}/revoke`, {});
    expect(revoked.status).toBe(303);
    const again = await alice.submit(`/renderers/grants/${id}/revoke`, {});
    expect(again.status).toBe(404);
    expect(again.text).toContain('id="revoke-error"');
  });

  it('puts refusals next to the field, keeps the choice, and escapes what was sent', async () => {
    const bad = await alice.submit('/renderers/grants', { l1_server: SCRIPT });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('id="grant-l1-error"');
    expect(bad.text).toContain('aria-invalid="true"');
    expectInert(bad.text);
    const unlisted = await alice.submit('/renderers/grants', { l1_server: 'https://unknown.example' });
    expect(unlisted.status).toBe(403);
    expect(unlisted.text).toMatch(/id="grant-l1-error">[^<]*not trusted/);
    const missing = await alice.submit('/renderers/grants', {});
    expect(missing.status).toBe(400);
    expect(missing.text).toContain('L1 server is required');
    const attachBad = await alice.submit('/renderers/attach', { l1: IMG });
    expect(attachBad.status).toBe(400);
    expect(attachBad.text).toContain('id="l1-error"');
    expectInert(attachBad.text);
    const notAttached = await alice.submit('/renderers/detach', { l1_server: `${l1.url.replace('127.0.0.1', 'localhost')}` });
    expect(notAttached.status).toBe(404);
    expect(notAttached.text).toContain('id="detach-error"');
    expect((await alice.api.post('/renderers/grants', { form: { l1_server: l1.url }, headers: HTML })).status).toBe(403);
  });

  it('shows what L2 must tell an L1 with remote error text escaped, and sends anonymous browsers to log in', async () => {
    await db()('l1_notifications').insert({
      user_id: await userId('alice'),
      l1_server: l1.url,
      kind: 'revoke-user',
      reference: 'xss',
      status: 'failed',
      attempts: 9,
      last_error: SCRIPT,
    });
    const page = await alice.page('/renderers');
    expect(page.text).toContain('Messages to L1s');
    expectInert(page.text);
    const anonymous = await client(server.url).get('/renderers', { headers: HTML });
    expect(anonymous.status).toBe(401);
    expect(anonymous.text).toContain('href="/login?next=%2Frenderers"');
  });
});

describe('device and download pages', () => {
  it('labels the device code field, keeps a bad code next to its error, escaped', async () => {
    const empty = await alice.page('/device');
    expect(empty.text).toContain('<label for="code">Code</label>');
    expect(empty.text).toMatch(/<input id="code" name="code"[^>]* autofocus/);
    const bad = await alice.page(`/device?code=${encodeURIComponent(SCRIPT)}`);
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('id="code-error"');
    expect(bad.text).toContain('aria-invalid="true"');
    expect(bad.text).toContain('value="&lt;script&gt;alert(1)&lt;/script&gt;"');
    expectInert(bad.text);
  });

  it('offers the client with copyable commands', async () => {
    const page = await client(server.url).get('/download/client', { headers: HTML });
    expect(page.status).toBe(200);
    expect(page.text).toContain('data-copy="#install-commands"');
    expect(page.text).toContain(`artdag login --server ${server.config.publicUrl}`);
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
  const clean = (name: string) => browser.expectClean(`people-${name}`);

  it('shows every people and settings page cleanly, payloads included', async () => {
    const pages: [string, string][] = [
      ['users', '/users'],
      ['profile', '/users/alice'],
      ['profile-payloads', '/users/bob'],
      ['renderers', '/renderers'],
      ['device', '/device'],
      ['download-client', '/download/client'],
    ];
    for (const [name, path] of pages) {
      const res = await browser.page.goto(`${server.url}${path}`);
      expect(res?.status(), path).toBe(200);
      await clean(name);
    }
  }, 60_000);
});
