// The browser-only middleware runs for page loads and nothing else: checked over every combination of method,
// Accept header and kind of path, for the two things it does (drop a dead session cookie, issue a CSRF cookie)
// and for the work it costs (resolving the session).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerAndLogin } from '../helpers/http.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
let live: string;
let dead: string;
let resolves = 0;

beforeAll(async () => {
  server = await startTestServer();
  await registerAndLogin(server.url, 'alice');
  const login = async () =>
    (await (
      await fetch(`${server.url}/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'alice', password: 'a good password' }),
      })
    ).json()) as { access_token: string };
  live = (await login()).access_token;
  dead = (await login()).access_token;
  await fetch(`${server.url}/auth/logout`, { method: 'POST', headers: { authorization: `Bearer ${dead}` } });
  const sessions = server.runtime.services.sessions;
  const resolve = sessions.resolve.bind(sessions);
  sessions.resolve = (token) => {
    resolves++;
    return resolve(token);
  };
});
afterAll(() => server.stop());

const ACCEPTS = {
  browser: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8',
  json: 'application/json',
  activitypub: 'application/activity+json',
  ld: 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"',
  any: '*/*',
  none: '',
};

/** Public paths whose handlers never look at the session themselves. */
const PAGES = ['/', '/assets', '/users/alice', '/activities', '/login'];
const NOT_PAGES = [
  '/health',
  '/.well-known/webfinger?resource=acct:alice@l2.test',
  '/.well-known/nodeinfo',
  '/nodeinfo/2.1',
  '/static/build/app.0123456789ab.css',
  '/objects/0000000000000000000000000000000000000000000000000000000000000000',
  '/assets/nothing-here/content',
  '/activities/00000000-0000-0000-0000-000000000000/ots',
  '/users/alice/inbox',
];

const combos = [...PAGES.map((path) => ({ path, page: true })), ...NOT_PAGES.map((path) => ({ path, page: false }))].flatMap((p) =>
  (['GET', 'POST', 'HEAD'] as const).flatMap((method) =>
    Object.entries(ACCEPTS).map(([accept, value]) => ({ ...p, method, accept, value })),
  ),
);

function isPageLoad(c: (typeof combos)[number]): boolean {
  return c.page && (c.method === 'GET' || c.method === 'HEAD') && c.accept === 'browser';
}

async function send(c: (typeof combos)[number], session: string): Promise<Response> {
  const headers: Record<string, string> = { cookie: `artdag_session=${session}` };
  if (c.value) headers.accept = c.value;
  // A cookie-authenticated POST without a CSRF token is refused before any handler runs; that is fine here.
  const res = await fetch(`${server.url}${c.path}`, { method: c.method, headers, redirect: 'manual' });
  await res.arrayBuffer();
  return res;
}

describe('HTML-only middleware', () => {
  it('drops a dead session cookie and issues a CSRF cookie only on page loads', async () => {
    const wrong: string[] = [];
    for (const c of combos) {
      const res = await send(c, dead);
      const cookies = res.headers.getSetCookie();
      const cleared = cookies.some((line) => line.startsWith('artdag_session=;'));
      const csrf = cookies.some((line) => /^artdag_csrf=[A-Za-z0-9_-]{43};/.test(line));
      const expected = isPageLoad(c);
      // POSTs with a cookie need a CSRF token and are refused with a 403 page or JSON; they never get one issued here.
      if (cleared !== expected || csrf !== expected) wrong.push(`${c.method} ${c.path} (${c.accept}): cleared=${cleared} csrf=${csrf}`);
    }
    expect(wrong).toEqual([]);
  });

  it('resolves the session only for page loads', async () => {
    const wrong: string[] = [];
    for (const c of combos) {
      if (c.method === 'POST') continue;
      const before = resolves;
      await send(c, live);
      const resolved = resolves > before;
      if (resolved !== isPageLoad(c)) wrong.push(`${c.method} ${c.path} (${c.accept}): resolved=${resolved}`);
    }
    expect(wrong).toEqual([]);
  });

  it('shows who is signed in on page loads, and signs out silently when the cookie is dead', async () => {
    const signedIn = await fetch(`${server.url}/`, { headers: { accept: ACCEPTS.browser, cookie: `artdag_session=${live}` } });
    expect(await signedIn.text()).toContain('Signed in as <strong>alice</strong>');
    const stale = await fetch(`${server.url}/`, { headers: { accept: ACCEPTS.browser, cookie: `artdag_session=${dead}` } });
    expect(stale.status).toBe(200);
    expect(await stale.text()).toContain('href="/login"');
  });
});
