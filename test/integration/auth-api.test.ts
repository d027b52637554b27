import { SignJWT, UnsecuredJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client, registerAndLogin } from '../helpers/http.js';
import { startTestServer, TEST_JWT_SECRET, type TestServer } from '../helpers/server.js';

let server: TestServer;
let api: ReturnType<typeof client>;

beforeAll(async () => {
  server = await startTestServer();
  api = client(server.url);
});
afterAll(() => server.stop());

async function userCount(): Promise<number> {
  return Number((await server.database.db('users').count('* as n'))[0]!.n);
}

describe('POST /auth/register', () => {
  it('creates an account and answers 201 with its public view', async () => {
    const res = await api.post('/auth/register', { json: { username: 'alice', password: 'long enough', email: 'a@example.org' } });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      username: 'alice',
      actor_id: 'https://l2.test/users/alice',
      handle: '@alice@l2.test',
      email: 'a@example.org',
    });
    expect(res.body).not.toHaveProperty('password_hash');
    const row = await server.database.db('users').where({ username: 'alice' }).first();
    expect(row.password_hash).toMatch(/^scrypt\$/);
    expect(row.password_hash).not.toContain('long enough');
  });

  it('accepts a form body', async () => {
    const res = await api.post('/auth/register', { form: { username: 'formuser', password: 'long enough' } });
    expect(res.status).toBe(201);
  });

  it('refuses a duplicate username with 409 and writes nothing', async () => {
    const before = await userCount();
    const res = await api.post('/auth/register', { json: { username: 'alice', password: 'another one' } });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('username_taken');
    expect(res.body.error.message).toContain('already taken');
    expect(await userCount()).toBe(before);
  });

  it('refuses reserved names, including the operator account', async () => {
    for (const username of ['admin', server.config.operatorUser]) {
      const res = await api.post('/auth/register', { json: { username, password: 'long enough' } });
      expect(res.status).toBe(409);
      expect(res.body.error.code).toBe('username_reserved');
    }
  });

  it.each([
    [{ username: 'Bad Name', password: 'long enough' }, 'username'],
    [{ username: 'x'.repeat(31), password: 'long enough' }, 'username'],
    [{ username: 'short', password: 'short' }, 'password'],
    [{ password: 'long enough' }, 'username'],
    [{ username: 'nopass' }, 'password'],
    [{ username: 42, password: 'long enough' }, 'username'],
    [{ username: 'mail', password: 'long enough', email: 'not-an-email' }, 'email'],
  ])('refuses %j naming the field %s', async (body, field) => {
    const before = await userCount();
    const res = await api.post('/auth/register', { json: body });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('invalid_request');
    expect(res.body.error.details.issues.map((i: { path: string }) => i.path)).toContain(field);
    expect(res.body.error.message).toContain(field);
    expect(await userCount()).toBe(before);
  });

  it('refuses a JSON array or string body', async () => {
    for (const json of [[1, 2], 'text', null]) {
      const res = await api.post('/auth/register', { json });
      expect(res.status).toBe(400);
      expect(res.body.error.message).toContain('must be an object');
    }
  });

  it('refuses malformed JSON with 400 invalid_json', async () => {
    const res = await api.post('/auth/register', { raw: '{"username": "x",', headers: { 'content-type': 'application/json' } });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('invalid_json');
    expect(res.body.error.request_id).toBe(res.headers.get('x-request-id'));
  });

  it('refuses an empty JSON body', async () => {
    const res = await api.post('/auth/register', { raw: '', headers: { 'content-type': 'application/json' } });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toContain('empty');
  });

  it('refuses an oversized body with 413 naming the limit', async () => {
    const big = JSON.stringify({ username: 'big', password: 'x'.repeat(server.config.bodyLimitBytes) });
    const res = await api.post('/auth/register', { raw: big, headers: { 'content-type': 'application/json' } });
    expect(res.status).toBe(413);
    expect(res.body.error.details.limit_bytes).toBe(server.config.bodyLimitBytes);
  });

  it('refuses a body that is neither JSON nor a form with 415', async () => {
    const res = await api.post('/auth/register', { raw: 'username=x', headers: { 'content-type': 'text/csv' } });
    expect(res.status).toBe(415);
    expect(res.body.error.message).toContain('application/json');
  });

  it('refuses a non-UTF-8 charset with 415', async () => {
    const res = await api.post('/auth/register', { raw: '{}', headers: { 'content-type': 'application/json; charset=latin1' } });
    expect(res.status).toBe(415);
  });
});

describe('POST /auth/login and GET /auth/me', () => {
  it('issues a bearer token that /auth/me accepts', async () => {
    await api.post('/auth/register', { json: { username: 'bob', password: 'bobs password' } });
    const login = await api.post('/auth/login', { json: { username: 'bob', password: 'bobs password' } });
    expect(login.status).toBe(200);
    expect(login.body.token_type).toBe('bearer');
    expect(new Date(login.body.expires_at).getTime()).toBeGreaterThan(Date.now());
    expect(login.headers.get('cache-control')).toBe('no-store');
    const me = await api.get('/auth/me', { token: login.body.access_token });
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ username: 'bob', actor_id: 'https://l2.test/users/bob', is_operator: false });
    expect(typeof me.body.created_at).toBe('string');
  });

  it('logs in with a form body too', async () => {
    const login = await api.post('/auth/login', { form: { username: 'bob', password: 'bobs password' } });
    expect(login.status).toBe(200);
    expect(login.body.access_token).toEqual(expect.any(String));
  });

  it('refuses a wrong password and an unknown user with the same 401', async () => {
    const wrong = await api.post('/auth/login', { json: { username: 'bob', password: 'not the password' } });
    const unknown = await api.post('/auth/login', { json: { username: 'nobody_here', password: 'whatever1' } });
    for (const res of [wrong, unknown]) {
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe('invalid_credentials');
    }
    expect(wrong.body.error.message).toBe(unknown.body.error.message);
  });

  it('refuses a login without fields', async () => {
    const res = await api.post('/auth/login', { json: {} });
    expect(res.status).toBe(400);
    expect(res.body.error.details.issues.map((i: { path: string }) => i.path)).toEqual(['username', 'password']);
  });

  it('answers 401 without a token', async () => {
    const res = await api.get('/auth/me');
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toContain('Bearer');
  });

  it.each([
    ['garbage', 'not.a.jwt', 'token_malformed'],
    ['a malformed header', null, 'malformed_authorization'],
  ])('refuses %s', async (_label, token, code) => {
    const headers = token ? { authorization: `Bearer ${token}` } : { authorization: 'Basic dXNlcjpwYXNz' };
    const res = await api.get('/auth/me', { headers });
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe(code);
  });

  const secret = new TextEncoder().encode(TEST_JWT_SECRET);
  const base = () =>
    new SignJWT({ token_use: 'session' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('bob')
      .setJti('forged-jti')
      .setIssuer('https://l2.test')
      .setAudience('https://l2.test');

  it('refuses an expired token', async () => {
    const now = Math.floor(Date.now() / 1000);
    const token = await base()
      .setIssuedAt(now - 7200)
      .setExpirationTime(now - 3600)
      .sign(secret);
    const res = await api.get('/auth/me', { token });
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('token_expired');
  });

  it('refuses a token signed with another secret', async () => {
    const token = await base()
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode('x'.repeat(40)));
    const res = await api.get('/auth/me', { token });
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('token_bad_signature');
  });

  it('refuses an alg:none token', async () => {
    const token = new UnsecuredJWT({ token_use: 'session', sub: 'bob', jti: 'j' })
      .setIssuer('https://l2.test')
      .setAudience('https://l2.test')
      .setIssuedAt()
      .setExpirationTime('1h')
      .encode();
    const res = await api.get('/auth/me', { token });
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('token_bad_signature');
  });

  it('refuses a valid token for an account that does not exist', async () => {
    const token = await new SignJWT({ token_use: 'session' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('ghost')
      .setJti('j')
      .setIssuer('https://l2.test')
      .setAudience('https://l2.test')
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(secret);
    const res = await api.get('/auth/me', { token });
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('token_unknown_user');
  });
});

describe('POST /auth/password', () => {
  it('changes the password: the new one logs in, the old one no longer does', async () => {
    const token = await registerAndLogin(server.url, 'changer', 'first password');
    const res = await api.post('/auth/password', { token, json: { current_password: 'first password', new_password: 'second password' } });
    expect(res.status).toBe(200);
    expect((await api.post('/auth/login', { json: { username: 'changer', password: 'first password' } })).status).toBe(401);
    expect((await api.post('/auth/login', { json: { username: 'changer', password: 'second password' } })).status).toBe(200);
  });

  it('refuses a wrong current password with 403 and changes nothing', async () => {
    const token = await registerAndLogin(server.url, 'changer2', 'first password');
    const before = (await server.database.db('users').where({ username: 'changer2' }).first()).password_hash;
    const res = await api.post('/auth/password', { token, json: { current_password: 'not it', new_password: 'second password' } });
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('invalid_credentials');
    expect((await server.database.db('users').where({ username: 'changer2' }).first()).password_hash).toBe(before);
  });

  it('refuses a short new password and a missing session', async () => {
    const token = await registerAndLogin(server.url, 'changer3', 'first password');
    const short = await api.post('/auth/password', { token, json: { current_password: 'first password', new_password: 'short' } });
    expect(short.status).toBe(400);
    expect(short.body.error.details.issues[0].path).toBe('new_password');
    expect((await api.post('/auth/password', { json: { current_password: 'a', new_password: 'long enough' } })).status).toBe(401);
  });
});

describe('POST /auth/logout', () => {
  it('revokes the token so it is refused afterwards, and a repeat is refused too', async () => {
    const token = await registerAndLogin(server.url, 'carol');
    const out = await api.post('/auth/logout', { token });
    expect(out.status).toBe(200);
    expect(out.body.revoked).toBe(true);
    const row = await server.database.db('revoked_tokens').where({ jti: out.body.jti }).first();
    expect(row).toBeDefined();
    const me = await api.get('/auth/me', { token });
    expect(me.status).toBe(401);
    expect(me.body.error.code).toBe('token_revoked');
    const again = await api.post('/auth/logout', { token });
    expect(again.status).toBe(401);
  });

  it('leaves other sessions of the same user alive', async () => {
    const first = await registerAndLogin(server.url, 'dave');
    const second = (await api.post('/auth/login', { json: { username: 'dave', password: 'a good password' } })).body.access_token;
    await api.post('/auth/logout', { token: first });
    expect((await api.get('/auth/me', { token: second })).status).toBe(200);
  });

  it('needs a session', async () => {
    expect((await api.post('/auth/logout')).status).toBe(401);
  });
});

describe('errors', () => {
  it('answers unknown routes with a JSON 404 for API clients and an HTML page for browsers', async () => {
    const json = await api.get('/no/such/route');
    expect(json.status).toBe(404);
    expect(json.body.error.code).toBe('not_found');
    const html = await api.get('/no/such/route', { headers: { accept: 'text/html' } });
    expect(html.status).toBe(404);
    expect(html.headers.get('content-type')).toContain('text/html');
    expect(html.text).toContain('Page not found');
  });

  it('answers a wrong method with 405 and Allow', async () => {
    const res = await api.request('PUT', '/auth/login', { json: {} });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toContain('POST');
  });

  it('sets security headers and echoes a sane request id', async () => {
    const res = await api.get('/health', { headers: { 'x-request-id': 'abc-123' } });
    expect(res.headers.get('x-request-id')).toBe('abc-123');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
    const odd = await api.get('/health', { headers: { 'x-request-id': 'bad id with spaces' } });
    expect(odd.headers.get('x-request-id')).toMatch(/^[A-Za-z0-9_-]{8}-[0-9a-z]+$/);
  });
});
