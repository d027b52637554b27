import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client, CookieJar } from '../helpers/http.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.stop());

const html = { accept: 'text/html', origin: 'http://127.0.0.1' };

/** A browser: a cookie jar, and the CSRF token from the last form it loaded. */
async function browser(path = '/register') {
  const jar = new CookieJar();
  const api = client(server.url, jar);
  const page = await api.get(path, { headers: html });
  const csrf = /name="_csrf" value="([^"]+)"/.exec(page.text)?.[1];
  expect(csrf).toBeDefined();
  expect(jar.get('artdag_csrf')).toBe(csrf);
  return { jar, api, csrf: csrf! };
}

describe('register and login pages', () => {
  it('registers through the form, sets an HttpOnly session cookie and shows the user on /', async () => {
    const { jar, api, csrf } = await browser();
    const res = await api.post('/register', { form: { _csrf: csrf, username: 'pageuser', password: 'long enough' }, headers: html });
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('/');
    const setCookie = res.headers.getSetCookie().find((c) => c.startsWith('artdag_session='))!;
    expect(setCookie).toMatch(/httponly/i);
    expect(setCookie).toMatch(/samesite=lax/i);
    expect(jar.get('artdag_session')).toBeDefined();

    const home = await api.get('/', { headers: html });
    expect(home.text).toContain('Signed in as <strong>pageuser</strong>');
    expect(home.text).toMatch(/data-stat="users">\d+</);
    const me = await api.get('/auth/me');
    expect(me.status).toBe(200);
    expect(me.body.username).toBe('pageuser');
  });

  it('refuses a form posted without the CSRF token, and writes nothing', async () => {
    const { api } = await browser();
    const res = await api.post('/register', { form: { username: 'nocsrf', password: 'long enough' }, headers: html });
    expect(res.status).toBe(403);
    expect(res.text).toContain('CSRF');
    expect(await server.database.db('users').where({ username: 'nocsrf' }).first()).toBeUndefined();
  });

  it('refuses a form whose token does not match the cookie', async () => {
    const { api } = await browser();
    const res = await api.post('/login', { form: { _csrf: 'A'.repeat(43), username: 'x', password: 'y' }, headers: html });
    expect(res.status).toBe(403);
  });

  it('re-renders the form with field errors and keeps the input, escaped', async () => {
    const { api, csrf } = await browser();
    const res = await api.post('/register', {
      form: { _csrf: csrf, username: '<script>alert(1)</script>', email: 'x@example.org', password: 'short' },
      headers: html,
    });
    expect(res.status).toBe(400);
    expect(res.text).toContain('id="username-error"');
    expect(res.text).toContain('id="password-error"');
    expect(res.text).toContain('value="x@example.org"');
    expect(res.text).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(res.text).not.toContain('<script>alert(1)</script>');
  });

  it('says when a username is taken, next to the field', async () => {
    const { api, csrf } = await browser();
    const res = await api.post('/register', { form: { _csrf: csrf, username: 'pageuser', password: 'long enough' }, headers: html });
    expect(res.status).toBe(409);
    expect(res.text).toMatch(/id="username-error"[^>]*>The username &quot;pageuser&quot; is already taken/);
  });

  it('logs in through the form, redirecting only to local paths', async () => {
    const { jar, api, csrf } = await browser('/login');
    const res = await api.post('/login', {
      form: { _csrf: csrf, username: 'pageuser', password: 'long enough', next: '//evil.example/x' },
      headers: html,
    });
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('/');
    expect(jar.get('artdag_session')).toBeDefined();
  });

  it('shows a wrong password on the form with 401', async () => {
    const { api, csrf } = await browser('/login');
    const res = await api.post('/login', { form: { _csrf: csrf, username: 'pageuser', password: 'wrong password' }, headers: html });
    expect(res.status).toBe(401);
    expect(res.text).toContain('Wrong username or password.');
    expect(res.text).toContain('value="pageuser"');
  });

  it('logs out through the form: the cookie is cleared and the token is revoked', async () => {
    const { jar, api, csrf } = await browser('/login');
    await api.post('/login', { form: { _csrf: csrf, username: 'pageuser', password: 'long enough' }, headers: html });
    const token = jar.get('artdag_session')!;
    const page = await api.get('/logout', { headers: html });
    expect(page.text).toContain('You are signed in as');
    const out = await api.post('/logout', { form: { _csrf: csrf }, headers: html });
    expect(out.status).toBe(302);
    expect(jar.get('artdag_session')).toBeUndefined();
    const me = await client(server.url).get('/auth/me', { token });
    expect(me.status).toBe(401);
    expect(me.body.error.code).toBe('token_revoked');
  });

  it('requires the CSRF token on API calls authenticated by the cookie', async () => {
    const { jar, api, csrf } = await browser('/login');
    await api.post('/login', { form: { _csrf: csrf, username: 'pageuser', password: 'long enough' }, headers: html });
    expect(jar.get('artdag_session')).toBeDefined();
    const without = await api.post('/auth/logout');
    expect(without.status).toBe(403);
    expect(without.body.error.code).toBe('csrf_failed');
    const withToken = await api.post('/auth/logout', { headers: { 'x-csrf-token': csrf } });
    expect(withToken.status).toBe(200);
  });

  it('shows counts on the home page that match the database', async () => {
    const res = await client(server.url).get('/', { headers: { accept: 'text/html' } });
    const users = Number((await server.database.db('users').count('* as n'))[0]!.n);
    expect(res.text).toContain(`data-stat="users">${users}<`);
    expect(res.text).toContain('data-stat="assets">0<');
    const json = await client(server.url).get('/');
    expect(json.body.counts).toEqual({ users, assets: 0, activities: 0 });
    expect(json.headers.get('vary')).toContain('Accept');
  });
});
