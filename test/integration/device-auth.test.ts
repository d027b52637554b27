// Device authorization (RFC 8628): codes, polling answers, the /device page, single use and guessing limits.
// Waiting out the poll interval is simulated by moving the last poll back in the database, not by sleeping.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserLogin, client, CookieJar, registerAndLogin, type Browser } from '../helpers/http.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
const CODE_SHAPE = /^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/;

let server: TestServer;
let api: ReturnType<typeof client>;
let alice: Browser;

beforeAll(async () => {
  server = await startTestServer();
  api = client(server.url);
  await registerAndLogin(server.url, 'alice');
  alice = await browserLogin(server.url, 'alice');
});
afterAll(() => server.stop());

interface Codes {
  device_code: string;
  user_code: string;
  verification_uri: string;
  verification_uri_complete: string;
  expires_in: number;
  interval: number;
}

async function start(clientId = 'artdag-cli'): Promise<Codes> {
  const res = await api.post('/auth/device/code', { json: { client_id: clientId } });
  expect(res.status).toBe(200);
  return res.body as Codes;
}

const poll = (deviceCode: string, clientId = 'artdag-cli') =>
  api.post('/auth/device/token', { json: { grant_type: GRANT, device_code: deviceCode, client_id: clientId } });

/** As if the device had waited its interval since its last poll. */
async function waitedInterval(userCode: string): Promise<void> {
  await server.database
    .db('device_codes')
    .where({ user_code: userCode })
    .update({ last_polled_at: server.database.db.raw("now() - interval '1 hour'") });
}

describe('POST /auth/device/code', () => {
  it('hands out a device code and a short unambiguous user code', async () => {
    const codes = await start();
    expect(codes).toEqual({
      device_code: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      user_code: expect.stringMatching(CODE_SHAPE),
      verification_uri: `${server.config.publicUrl}/device`,
      verification_uri_complete: `${server.config.publicUrl}/device?code=${codes.user_code}`,
      expires_in: 900,
      interval: 5,
    });
    const row = await server.database.db('device_codes').where({ user_code: codes.user_code }).first();
    expect(row.device_code_hash).not.toContain(codes.device_code);
  });

  it('accepts form-encoded requests as RFC 8628 clients send them', async () => {
    const res = await api.post('/auth/device/code', { form: { client_id: 'other-client' } });
    expect(res.status).toBe(200);
    expect(res.body.user_code).toMatch(CODE_SHAPE);
  });

  it('answers bad requests in OAuth error format', async () => {
    const missing = await api.post('/auth/device/code', { json: {} });
    expect(missing.status).toBe(400);
    expect(missing.body).toEqual({ error: 'invalid_request', error_description: 'client_id is required' });
    const bad = await api.post('/auth/device/code', { json: { client_id: 'has spaces' } });
    expect(bad.body.error).toBe('invalid_request');
  });
});

describe('the device flow', () => {
  it('is pending, then slow_down when polled too fast, then the token once approved, and single use', async () => {
    const codes = await start();
    const first = await poll(codes.device_code);
    expect(first.status).toBe(400);
    expect(first.body).toMatchObject({ error: 'authorization_pending' });
    const fast = await poll(codes.device_code);
    expect(fast.status).toBe(400);
    expect(fast.body).toMatchObject({ error: 'slow_down', interval: 10, error_description: expect.stringContaining('10 seconds') });

    const page = await alice.page(`/device?code=${codes.user_code.toLowerCase().replace('-', '')}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain(codes.user_code);
    expect(page.text).toContain('artdag-cli');
    const approved = await alice.submit('/device', { user_code: codes.user_code, action: 'approve' });
    expect(approved.status).toBe(200);
    expect(approved.text).toContain('is connected to your account');

    await waitedInterval(codes.user_code);
    const token = await poll(codes.device_code);
    expect(token.status).toBe(200);
    expect(token.headers.get('cache-control')).toBe('no-store');
    expect(token.body).toMatchObject({ access_token: expect.any(String), token_type: 'bearer', username: 'alice' });
    expect(token.body.expires_in).toBeGreaterThan(0);
    const me = await api.get('/auth/me', { token: token.body.access_token });
    expect(me.status).toBe(200);
    expect(me.body.username).toBe('alice');

    await waitedInterval(codes.user_code);
    const reused = await poll(codes.device_code);
    expect(reused.status).toBe(400);
    expect(reused.body).toMatchObject({ error: 'invalid_grant', error_description: expect.stringContaining('single-use') });

    // The user code is spent too.
    const again = await alice.page(`/device?code=${codes.user_code}`);
    expect(again.status).toBe(409);
    expect(again.text).toContain('already approved');
    const twice = await alice.submit('/device', { user_code: codes.user_code, action: 'approve' });
    expect(twice.status).toBe(409);
  });

  it('reports access_denied when the user denies', async () => {
    const codes = await start();
    const denied = await alice.submit('/device', { user_code: codes.user_code, action: 'deny' });
    expect(denied.status).toBe(200);
    expect(denied.text).toContain('You denied device');
    const res = await poll(codes.device_code);
    expect(res.body).toMatchObject({ error: 'access_denied' });
  });

  it('reports expired_token once the code has expired, and the page no longer knows it', async () => {
    const codes = await start();
    await server.database
      .db('device_codes')
      .where({ user_code: codes.user_code })
      .update({ expires_at: new Date(Date.now() - 1000) });
    expect((await poll(codes.device_code)).body).toMatchObject({ error: 'expired_token' });
    const page = await alice.page(`/device?code=${codes.user_code}`);
    expect(page.status).toBe(404);
    expect(page.text).toContain('No device is waiting');
  });

  it('refuses unknown device codes, other clients and other grant types', async () => {
    const codes = await start();
    expect((await poll('x'.repeat(43))).body).toMatchObject({ error: 'invalid_grant' });
    expect((await poll(codes.device_code, 'someone-else')).body).toMatchObject({
      error: 'invalid_grant',
      error_description: expect.stringContaining('another client_id'),
    });
    const wrongGrant = await api.post('/auth/device/token', {
      json: { grant_type: 'password', device_code: codes.device_code, client_id: 'artdag-cli' },
    });
    expect(wrongGrant.status).toBe(400);
    expect(wrongGrant.body.error).toBe('unsupported_grant_type');
    const missing = await api.post('/auth/device/token', { json: { grant_type: GRANT, client_id: 'artdag-cli' } });
    expect(missing.body).toEqual({ error: 'invalid_request', error_description: 'device_code is required' });
  });
});

describe('the /device page', () => {
  it('sends signed-out browsers to log in and back to their code', async () => {
    const jar = new CookieJar();
    const res = await client(server.url, jar).get('/device?code=BCDF-GHJK', { headers: { accept: 'text/html' } });
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe(`/login?next=${encodeURIComponent('/device?code=BCDF-GHJK')}`);
  });

  it('offers a form without a code, and explains malformed codes and missing choices', async () => {
    const empty = await alice.page('/device');
    expect(empty.status).toBe(200);
    expect(empty.text).toContain('name="code"');
    const malformed = await alice.page('/device?code=hello');
    expect(malformed.status).toBe(400);
    expect(malformed.text).toContain('is not a code');
    const codes = await start();
    const noAction = await alice.submit('/device', { user_code: codes.user_code });
    expect(noAction.status).toBe(400);
    expect(noAction.text).toContain('Choose Approve or Deny');
    // Still pending: nothing was decided.
    expect((await poll(codes.device_code)).body.error).toBe('authorization_pending');
  });

  it('needs the CSRF token to approve', async () => {
    const codes = await start();
    const forged = await alice.api.post('/device', {
      form: { user_code: codes.user_code, action: 'approve' },
      headers: { accept: 'text/html' },
    });
    expect(forged.status).toBe(403);
    expect((await poll(codes.device_code)).body.error).toBe('authorization_pending');
  });

  it('stops a user who keeps guessing codes', async () => {
    await registerAndLogin(server.url, 'guesser');
    const guesser = await browserLogin(server.url, 'guesser');
    const victim = await start();
    for (let i = 0; i < 10; i++) {
      const wrong = await guesser.page(`/device?code=ZZZZ-ZZ${'BCDFGHJKLM'[i]}${'BCDFGHJKLM'[i]}`);
      expect(wrong.status).toBe(404);
    }
    const blocked = await guesser.page(`/device?code=${victim.user_code}`);
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(blocked.text).toContain('Too many wrong device codes');
    const post = await guesser.submit('/device', { user_code: victim.user_code, action: 'approve' });
    expect(post.status).toBe(429);
    expect((await poll(victim.device_code)).body.error).toBe('authorization_pending');
    // Other users are not affected.
    expect((await alice.page(`/device?code=${victim.user_code}`)).status).toBe(200);
  });
});
