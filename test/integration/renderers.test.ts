// Attaching L1 renderers end to end through fake L1s that behave like real ones: scoped tokens, /auth/verify,
// opaque grants, detach with a signed revoke, and federated logout that outlasts an L1 outage.
import { createHash } from 'node:crypto';
import { decodeJwt, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeL1 } from '../doubles/fake-l1.js';
import { browserLogin, client, registerAndLogin } from '../helpers/http.js';
import { startTestServer, TEST_JWT_SECRET, type TestServer } from '../helpers/server.js';

let server: TestServer;
let l1: FakeL1;
let l1b: FakeL1;
let unlisted: FakeL1;
let api: ReturnType<typeof client>;

beforeAll(async () => {
  [l1, l1b, unlisted] = await Promise.all([FakeL1.start(), FakeL1.start(), FakeL1.start()]);
  server = await startTestServer({ env: { L1_SERVERS: `${l1.url},${l1b.url}/` } });
  for (const fake of [l1, l1b, unlisted]) fake.connectL2({ publicUrl: server.config.publicUrl, url: server.url });
  api = client(server.url);
});
afterAll(async () => {
  await server.stop();
  await Promise.all([l1.stop(), l1b.stop(), unlisted.stop()]);
});

/** A browser attaches `fake` for `username`: our redirect, then the L1's /auth, which checks the token with us. */
async function attach(username: string, fake: FakeL1): Promise<{ token: string; l1Status: number }> {
  const browser = await browserLogin(server.url, username);
  const res = await browser.submit('/renderers/attach', { l1: `${fake.url}/some/page` });
  expect(res.status).toBe(303);
  const location = new URL(res.headers.get('location')!);
  expect(location.origin + location.pathname).toBe(`${fake.url}/auth`);
  const token = location.searchParams.get('auth_token')!;
  const arrived = await fetch(location, { redirect: 'manual' });
  return { token, l1Status: arrived.status };
}

const verify = (token: string, l1Server: string) => api.post('/auth/verify', { json: { token, l1_server: l1Server } });

async function rendererToken(claims: Record<string, unknown>, expiresAt: number | string): Promise<string> {
  return await new SignJWT({ token_use: 'renderer', l2_server: server.config.publicUrl, ...claims })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject('alice')
    .setJti(crypto.randomUUID())
    .setIssuer(server.config.publicUrl)
    .setAudience(l1.url)
    .setIssuedAt(Math.floor(Date.now() / 1000) - 7200)
    .setExpirationTime(expiresAt)
    .sign(new TextEncoder().encode(TEST_JWT_SECRET));
}

describe('attaching an L1', () => {
  let aliceToken: string;

  beforeAll(async () => {
    await registerAndLogin(server.url, 'alice');
    aliceToken = await registerAndLogin(server.url, 'alice2');
  });

  it('answers a link followed with the session cookie with a form to confirm, minting no token', async () => {
    const browser = await browserLogin(server.url, 'alice');
    const res = await browser.page(`/renderers/attach?l1=${encodeURIComponent(l1.url)}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('location')).toBeNull();
    expect(res.text).toContain('Confirm below to attach this L1');
    expect(res.text).toContain('<form method="post" action="/renderers/attach"');
    expect(res.text).not.toContain('auth_token');
    const refused = await browser.api.post('/renderers/attach', { form: { l1: l1.url }, headers: { accept: 'text/html' } });
    expect(refused.status).toBe(403);
  });

  it('sends the browser to the L1 with a token bound to it, which the L1 checks with /auth/verify', async () => {
    const { token, l1Status } = await attach('alice', l1);
    expect(l1Status).toBe(302);
    const claims = decodeJwt(token);
    expect(claims).toMatchObject({
      sub: 'alice',
      aud: l1.url,
      iss: server.config.publicUrl,
      l2_server: server.config.publicUrl,
      token_use: 'renderer',
    });
    expect(typeof claims.jti).toBe('string');
    expect(claims.exp! - claims.iat!).toBeLessThanOrEqual(3600);

    expect(l1.signedIn()).toContain('alice');
    expect(l1.logins.at(-1)!.body).toMatchObject({
      valid: true,
      username: 'alice',
      actor_id: `${server.config.publicUrl}/users/alice`,
      l2_server: server.config.publicUrl,
      expires_at: new Date(claims.exp! * 1000).toISOString(),
    });

    const alice = await registerAndLoginAgain('alice');
    const list = await api.get('/renderers', { token: alice });
    expect(list.status).toBe(200);
    expect(list.body.renderers).toEqual([
      expect.objectContaining({ l1_server: l1.url, attached: true, last_verified_at: expect.any(String), detached_at: null }),
    ]);
    expect(list.body.trusted_l1_servers).toEqual([l1.url, l1b.url]);
  });

  it('lists renderers as a page for a browser', async () => {
    const browser = await browserLogin(server.url, 'alice');
    const page = await browser.page('/renderers');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(page.text).toContain(l1.url);
    expect(page.text).toMatch(/action="\/renderers\/detach"/);
  });

  it('refuses the token at another L1 (403), and records nothing there', async () => {
    const { token } = await attach('alice', l1);
    const res = await verify(token, l1b.url);
    expect(res.status).toBe(403);
    expect(res.body.error).toMatchObject({ code: 'token_for_another_l1', message: expect.stringContaining(l1.url) });
    const rows = await server.database.db('user_renderers').where({ l1_server: l1b.url });
    expect(rows).toEqual([]);
  });

  it('refuses an L1 that is not allowlisted, both for attaching and verifying', async () => {
    const alice = await registerAndLoginAgain('alice');
    const attachRes = await api.get(`/renderers/attach?l1=${encodeURIComponent(unlisted.url)}`, { token: alice });
    expect(attachRes.status).toBe(403);
    expect(attachRes.body.error.code).toBe('l1_not_allowed');
    const { token } = await attach('alice', l1);
    const res = await verify(token, unlisted.url);
    expect(res.status).toBe(403);
    expect(res.body.error).toMatchObject({ code: 'l1_not_allowed', message: expect.stringContaining('L1_SERVERS') });
    // An unlisted L1 that is sent a token anyway cannot use it.
    const arrived = await fetch(`${unlisted.url}/auth?auth_token=${token}`, { redirect: 'manual' });
    expect(arrived.status).toBe(403);
    expect(unlisted.signedIn()).toEqual([]);
  });

  it('refuses expired, tampered and wrong-kind tokens with the reason', async () => {
    const expired = await rendererToken({}, Math.floor(Date.now() / 1000) - 60);
    expect((await verify(expired, l1.url)).body.error.code).toBe('token_expired');

    const { token } = await attach('alice', l1);
    const [head, body, sig] = token.split('.');
    const forgedBody = Buffer.from(JSON.stringify({ ...decodeJwt(token), sub: 'alice2' })).toString('base64url');
    const tampered = await verify(`${head}.${forgedBody}.${sig}`, l1.url);
    expect(tampered.status).toBe(401);
    expect(tampered.body.error.code).toBe('token_bad_signature');
    const flipped = `${head}.${body}.${sig!.slice(0, -2)}${sig!.slice(-2) === 'AA' ? 'AB' : 'AA'}`;
    expect((await verify(flipped, l1.url)).status).toBe(401);

    const session = await verify(aliceToken, l1.url);
    expect(session.status).toBe(401);
    expect(session.body.error).toMatchObject({
      code: 'token_wrong_kind',
      message: expect.stringContaining('session token cannot be used'),
    });

    const me = await api.get('/auth/me', { token });
    expect(me.status).toBe(401);
    expect(me.body.error).toMatchObject({ code: 'token_wrong_kind', message: expect.stringContaining('not a session token') });

    const garbage = await verify('not-a-token', l1.url);
    expect(garbage.status).toBe(401);
    expect(garbage.body.error.code).toBe('token_malformed');
  });

  it('refuses bad request bodies with the field at fault', async () => {
    const missingToken = await api.post('/auth/verify', { json: { l1_server: l1.url } });
    expect(missingToken.status).toBe(400);
    expect(missingToken.body.error.details.issues).toEqual([expect.objectContaining({ path: 'token' })]);
    const missingL1 = await api.post('/auth/verify', { json: { token: 'x' } });
    expect(missingL1.status).toBe(400);
    expect(missingL1.body.error.details.issues).toEqual([expect.objectContaining({ path: 'l1_server' })]);
    const notUrl = await api.post('/auth/verify', { json: { token: 'x', l1_server: 'not a url' } });
    expect(notUrl.status).toBe(400);
    expect(notUrl.body.error.code).toBe('invalid_l1');
    const text = await api.post('/auth/verify', { raw: 'token=x', headers: { 'content-type': 'text/plain' } });
    expect(text.status).toBe(415);
    const noL1 = await api.get('/renderers/attach', { token: aliceToken });
    expect(noL1.status).toBe(400);
    const signedOut = await api.get(`/renderers/attach?l1=${encodeURIComponent(l1.url)}`);
    expect(signedOut.status).toBe(401);
  });
});

describe('opaque grants', () => {
  let bob: string;
  beforeAll(async () => {
    bob = await registerAndLogin(server.url, 'bob');
  });

  it('issues a 256-bit token once, stores only its hash, and verifies it for its L1 only', async () => {
    const created = await api.post('/renderers/grants', { token: bob, json: { l1_server: l1.url } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ token: expect.stringMatching(/^agr_[A-Za-z0-9_-]{43}$/), l1_server: l1.url });
    const { token } = created.body as { token: string };
    const stored = await server.database.db('grants').where({ audience: l1.url });
    expect(stored.map((g) => g.token_hash)).toContain(createHash('sha256').update(token).digest('hex'));
    expect(JSON.stringify(stored)).not.toContain(token);

    const ok = await verify(token, l1.url);
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ valid: true, username: 'bob', token_kind: 'grant' });
    expect((await verify(token, l1b.url)).body.error.code).toBe('token_for_another_l1');
    expect((await verify(`agr_${'A'.repeat(43)}`, l1.url)).body.error.code).toBe('token_unknown');

    const listed = await api.get('/renderers', { token: bob });
    const grant = listed.body.grants.find((g: { l1_server: string }) => g.l1_server === l1.url);
    expect(grant).toMatchObject({ revoked_at: null, last_used_at: expect.any(String) });
    const revoke = await api.request('DELETE', `/renderers/grants/${grant.id}`, { token: bob });
    expect(revoke.status).toBe(204);
    const after = await verify(token, l1.url);
    expect(after.status).toBe(401);
    expect(after.body.error.code).toBe('token_revoked');
    expect((await api.request('DELETE', `/renderers/grants/${grant.id}`, { token: bob })).status).toBe(404);
  });

  it('refuses grants for unlisted L1s, bad ids and other users', async () => {
    expect((await api.post('/renderers/grants', { token: bob, json: { l1_server: unlisted.url } })).status).toBe(403);
    expect((await api.post('/renderers/grants', { token: bob, json: {} })).status).toBe(400);
    expect((await api.post('/renderers/grants', { json: { l1_server: l1.url } })).status).toBe(401);
    expect((await api.request('DELETE', '/renderers/grants/abc', { token: bob })).status).toBe(400);
    const created = await api.post('/renderers/grants', { token: bob, json: { l1_server: l1.url } });
    const mallory = await registerAndLogin(server.url, 'mallory');
    const grantId = (await api.get('/renderers', { token: bob })).body.grants[0].id;
    expect((await api.request('DELETE', `/renderers/grants/${grantId}`, { token: mallory })).status).toBe(404);
    expect((await verify(created.body.token, l1.url)).status).toBe(200);
  });
});

describe('detaching', () => {
  it('revokes the L1 tokens at once and tells the L1 with a signed request', async () => {
    await registerAndLogin(server.url, 'dora');
    const { token } = await attach('dora', l1);
    expect(l1.signedIn()).toContain('dora');
    const dora = await registerAndLoginAgain('dora');
    const grant = (await api.post('/renderers/grants', { token: dora, json: { l1_server: l1.url } })).body.token as string;

    const res = await api.post('/renderers/detach', { token: dora, json: { l1_server: `${l1.url}/` } });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ detached: true, l1_server: l1.url, notified: true });
    expect((await verify(token, l1.url)).body.error.code).toBe('token_revoked');
    expect((await verify(grant, l1.url)).body.error.code).toBe('token_revoked');

    const request = await l1.waitForRequest((r) => r.path === '/auth/revoke' && r.body?.toString().includes('"dora"') === true);
    expect(request.headers.signature).toMatch(/keyId="https:\/\/l2\.test\/users\/[^"]+#main-key"/);
    const workflowId = (await server.database.db('l1_notifications').where({ kind: 'revoke' }).first()).reference as string;
    await server.runtime.temporal.workflow.getHandle(workflowId).result();
    expect(l1.notifications).toContainEqual(
      expect.objectContaining({ kind: 'revoke', username: 'dora', l2_server: server.config.publicUrl }),
    );
    expect(l1.signedIn()).not.toContain('dora');

    const list = await api.get('/renderers', { token: dora });
    expect(list.body.renderers).toEqual([expect.objectContaining({ l1_server: l1.url, attached: false, detached_at: expect.any(String) })]);
    expect(list.body.notifications).toEqual([expect.objectContaining({ l1_server: l1.url, kind: 'revoke', status: 'done', attempts: 1 })]);

    // Detaching twice: nothing is attached any more.
    const again = await api.post('/renderers/detach', { token: dora, json: { l1_server: l1.url } });
    expect(again.status).toBe(404);
    expect(again.body.error).toMatchObject({ code: 'not_attached', message: expect.stringContaining(l1.url) });

    // Re-attaching at once works: the new token was issued after the detach.
    const back = await attach('dora', l1);
    expect(back.l1Status).toBe(302);
    expect((await verify(back.token, l1.url)).status).toBe(200);
  });

  it('refuses detaching an L1 never attached, and bad bodies', async () => {
    const erin = await registerAndLogin(server.url, 'erin');
    const never = await api.post('/renderers/detach', { token: erin, json: { l1_server: l1b.url } });
    expect(never.status).toBe(404);
    expect(never.body.error.code).toBe('not_attached');
    expect((await api.post('/renderers/detach', { token: erin, json: {} })).status).toBe(400);
    expect((await api.post('/renderers/detach', { token: erin, json: { l1_server: 'ftp://x' } })).body.error.code).toBe('invalid_l1');
    expect((await api.post('/renderers/detach', { json: { l1_server: l1.url } })).status).toBe(401);
  });
});

describe('federated logout', () => {
  it('logs the user out of every attached L1, retrying one that is down until it answers', async () => {
    await registerAndLogin(server.url, 'carol');
    const atA = await attach('carol', l1);
    const atB = await attach('carol', l1b);
    expect(l1.signedIn()).toContain('carol');
    expect(l1b.signedIn()).toContain('carol');
    // l1b is down for its first two attempts.
    l1b.setFault('/auth/revoke-user', { kind: 'status', status: 503, times: 2 });

    const carol = await registerAndLoginAgain('carol');
    const out = await api.post('/auth/logout', { token: carol });
    expect(out.status).toBe(200);
    expect(out.body.l1_servers_notified.sort()).toEqual([l1.url, l1b.url].sort());
    // Renderer tokens stop at once, whatever the L1s do.
    expect((await verify(atA.token, l1.url)).body.error.code).toBe('token_revoked');
    expect((await verify(atB.token, l1b.url)).body.error.code).toBe('token_revoked');

    const workflowId = `logout:carol:${out.body.jti}`;
    let seen = 0;
    await l1b.waitForRequest((r) => r.path === '/auth/revoke-user' && ++seen === 2);
    // While l1b is down the state is visible: pending, with the error it gave.
    const pending = await server.database.db('l1_notifications').where({ reference: workflowId, l1_server: l1b.url }).first();
    expect(pending).toMatchObject({ kind: 'revoke-user', status: 'pending', last_error: expect.stringContaining('503') });
    expect(pending.attempts).toBeGreaterThanOrEqual(1);
    const description = await server.runtime.temporal.workflow.getHandle(workflowId).describe();
    expect(description.type).toBe('notifyL1sWorkflow');

    expect(await server.runtime.temporal.workflow.getHandle(workflowId).result()).toEqual({ done: 2, failed: 0 });
    expect(l1.signedIn()).not.toContain('carol');
    expect(l1b.signedIn()).not.toContain('carol');
    const rows = await server.database.db('l1_notifications').where({ reference: workflowId }).orderBy('l1_server');
    expect(rows.map((r) => [r.l1_server, r.status])).toEqual([l1.url, l1b.url].sort().map((u) => [u, 'done']));
    expect(rows.find((r) => r.l1_server === l1b.url).attempts).toBe(3);
  });

  it('runs from the logout form too', async () => {
    await registerAndLogin(server.url, 'fred');
    await attach('fred', l1);
    const browser = await browserLogin(server.url, 'fred');
    const res = await browser.submit('/logout', {});
    expect(res.status).toBe(302);
    const request = await l1.waitForRequest((r) => r.path === '/auth/revoke-user' && r.body?.toString().includes('"fred"') === true);
    expect(request.method).toBe('POST');
  });
});

async function registerAndLoginAgain(username: string): Promise<string> {
  const res = await api.post('/auth/login', { json: { username, password: 'a good password' } });
  expect(res.status).toBe(200);
  return res.body.access_token as string;
}
